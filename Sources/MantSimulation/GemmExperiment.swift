import MantConfig
import MantHardware
import MantNumerics
import MantTensorIO

/// One GEMM Y = X W^T on an architecture's array: LLM-like synthetic operands quantized in a weight
/// format, run on the SystemC model, and (when asked) checked bit for bit against `GemmReference`,
/// traced to a VCD and priced by an energy table. `mantsim gemm` presents what it gives.
public struct GemmExperiment {
    public var architecture: ArchitectureConfig
    public var format: FormatDescriptor
    public var dataflow: Dataflow
    public var fidelity: Fidelity
    public var seed: UInt64
    /// Run the reference GEMM too and compare every output bit.
    public var check = false
    /// Write a VCD of the job to `path` showing PE row `peRow` (through a temporary file that
    /// replaces `path` only once the job has succeeded).
    public var trace: (path: String, peRow: Int)?
    /// Price each GEMM's counters (priced for the architecture).
    public var energy: EnergyTable?

    /// Traces record every cycle: jobs estimated above this many cycles are refused.
    public static let traceCycleLimit = 200_000

    public enum Problem: Error, CustomStringConvertible {
        case formatNotRunByArray(format: String, peType: String)
        case traceTooLong(estimate: Int)

        public var description: String {
            switch self {
            case let .formatNotRunByArray(format, peType): "\(format) does not run on the \(peType) array"
            case let .traceTooLong(estimate):
                "traces are for small jobs: this one computes for about \(estimate) cycles (limit \(GemmExperiment.traceCycleLimit))"
            }
        }
    }

    /// What one GEMM gave.
    public struct Outcome {
        public var m: Int, k: Int, n: Int
        public var result: GemmResult
        /// Whether every output bit matched the reference (nil: not checked).
        public var bitExact: Bool?
        public var energyPicojoules: [String: Double]?
    }

    public init(architecture: ArchitectureConfig, format: FormatDescriptor? = nil, dataflow: Dataflow? = nil, fidelity: Fidelity = .cycle,
                seed: UInt64 = 2025) throws {
        self.architecture = architecture
        self.format = format ?? architecture.weightFormat
        self.dataflow = dataflow ?? architecture.dataflow
        self.fidelity = fidelity
        self.seed = seed
        guard architecture.array.peType.takes(self.format) else {
            throw Problem.formatNotRunByArray(format: self.format.name, peType: architecture.array.peType.rawValue)
        }
    }

    /// The cycles a traced job is estimated to compute: every tile's stream plus the array's fill.
    public func traceCycleEstimate(m: Int, k: Int, n: Int) -> Int {
        let (rows, columns) = (architecture.array.rows, architecture.array.columns)
        let ws = dataflow == .weightStationary
        let tiles = (n + columns - 1) / columns * (ws ? (k + rows - 1) / rows : (m + rows - 1) / rows)
        return tiles * ((ws ? m : k) + rows + columns)
    }

    public func run(m: Int, k: Int, n: Int, on model: RTLModel) throws -> Outcome {
        if trace != nil {
            let estimate = traceCycleEstimate(m: m, k: k, n: n)
            guard estimate <= GemmExperiment.traceCycleLimit else { throw Problem.traceTooLong(estimate: estimate) }
        }
        let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: seed)
        let activations = try SyntheticTensor.llmLike(rows: m, columns: k, seed: seed &+ 1)
        let quantized = try format.makeFormat().quantize(weights)
        let operands = try GemmOperands(weights: quantized, activations: activations, activationBits: architecture.activationBits)
        let temporary = try trace.map { try OutputFile.temporary(for: $0.path) }
        let result: GemmResult
        do {
            result = try model.run(operands, on: architecture.array, dataflow: dataflow, fidelity: fidelity,
                                   trace: temporary.map { ($0, trace!.peRow) })
            if let temporary, let trace { try OutputFile.commit(temporary, to: trace.path) }
        } catch {
            if let temporary { OutputFile.discard(temporary) }
            throw error
        }
        var outcome = Outcome(m: m, k: k, n: n, result: result)
        if check {
            let expected = try GemmReference.run(operands, lutScale: architecture.array.lutScale)
            outcome.bitExact = expected.map(\.bitPattern) == result.output.map(\.bitPattern)
        }
        if let energy {
            outcome.energyPicojoules = try energy.energy(counters: result.counters, cycles: result.totalCycles,
                                                         processingElements: architecture.array.rows * architecture.array.columns,
                                                         dram: architecture.dramTechnology, timing: architecture.array.dramTiming).picojoules
        }
        return outcome
    }
}
