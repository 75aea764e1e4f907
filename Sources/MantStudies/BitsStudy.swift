import MantWorkload
import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantSimulation

/// Quality and cost at equal bits per weight: each weight-format family at 2, 3 and 4 bits,
/// quantization error on the same tensor next to latency and energy on the same workload.
///
/// Quality: the tensor W [N, K] quantized by each format (weight SQNR, and the effective bits
/// per weight with every scale, selector and codebook counted), and the GEMM X·W^T its array
/// computes from the quantized operands (GemmReference: the arithmetic the SystemC array matches
/// bit for bit, activations quantized as that array reads them) against the FP64 product of the
/// unquantized X and W (output SQNR). Cost: the workload run on the family's architecture with
/// its weight format replaced; everything else about the architecture (array, buffers, activation
/// bits, KV cache) stays as its file says.
public enum BitsStudy {
    /// A weight-format family and the architecture that runs it.
    public enum Family: String, CaseIterable, Sendable, Codable {
        case mant, int, nf, vq, mxfp4

        /// The bundled architecture whose array runs the family.
        public var architecture: String {
            switch self {
            case .mant: return "mant"
            case .int: return "int4"
            case .nf: return "lut"
            case .vq: return "vq"
            case .mxfp4: return "mxfp4"
            }
        }
    }

    public struct Setup {
        /// Base architecture per family (see Family.architecture).
        public var architectures: [Family: ArchitectureConfig]
        public var families = Family.allCases
        public var bits = [2, 3, 4]
        /// Group size of the group-scaled families (M-ANT, INT, NF); MXFP4's blocks are fixed at 32.
        public var group = 64
        /// The VQ configuration at each width: <v, k, r> with r·k/v bits per weight. Defaults:
        /// GPTVQ-2 <4,8,1>; <2,6,1> (AQLM-3 <8,12,2> also holds 3 bits but its codebooks take
        /// minutes to train per operator); CQ-4's <2,8,1> shape.
        public var vqConfigs = [2: "gptvq2", 3: "vq-2-6-1", 4: "vq-2-8-1"]
        /// The tensor whose quantization error is reported, and the activations of the output error.
        public var weights: Tensor
        public var activations: Tensor
        public var request: WorkloadRequest
        public var energy: EnergyTable

        public init(architectures: [Family: ArchitectureConfig], weights: Tensor, activations: Tensor, request: WorkloadRequest,
                    energy: EnergyTable) {
            (self.architectures, self.weights, self.activations, self.request, self.energy) = (architectures, weights, activations, request, energy)
        }
    }

    public struct PhaseCost: Sendable, Codable, Equatable {
        public var phase: Phase
        public var latencySeconds: Double
        public var tokensPerSecond: Double
        /// pJ.
        public var energy: Double
    }

    public struct Row: Sendable, Codable, Equatable {
        public var family: Family
        public var bits: Int
        public var format: String
        public var architecture: String
        public var kvFormat: String
        public var activationBits: Int
        /// Every stored bit (codes, scales, selectors, codebooks) per weight of the tensor.
        public var bitsPerWeight: Double
        public var weightSQNR: Double?
        public var outputSQNR: Double?
        public var phases: [PhaseCost]
        /// A real model's perplexity with these weights (and the array's activations and KV
        /// cache), and the FP32 model's, when one was evaluated.
        public var perplexity: Double? = nil
        public var perplexityFP32: Double? = nil
        /// Why the family's array cannot run this format as its file sizes it (no cost then), e.g. a
        /// VQ codebook set larger than the codebook SRAM. The study never resizes the hardware.
        public var infeasible: String?
    }

    /// The format a family stores at `bits`, or nil when the family has none at that width
    /// (M-ANT defines 3- and 4-bit grids; MXFP4 is 4-bit).
    /// The family's format at `bits` per weight, or nil where the family has none.
    public static func format(_ family: Family, bits: Int, setup: Setup) throws -> FormatDescriptor? {
        let group = Granularity.group(setup.group)
        switch family {
        case .mant: return (3...4).contains(bits) ? try FormatCatalog.parse("mant\(bits)", granularity: group) : nil
        case .int: return try FormatCatalog.parse("int\(bits)", granularity: group)
        case .nf: return (2...4).contains(bits) ? try FormatCatalog.parse("nf\(bits)", granularity: group) : nil
        case .mxfp4: return bits == 4 ? try FormatCatalog.parse("mxfp4") : nil
        case .vq:
            guard let name = setup.vqConfigs[bits] else { return nil }
            let format = try FormatCatalog.parse(name)
            guard let vq = format.vq, vq.stages * vq.indexBits == bits * vq.vectorLength else {
                throw QuantizationError.invalidParameter(field: "vq\(bits)", message: "'\(name)' does not store \(bits) bits per weight")
            }
            return format
        }
    }

    /// Rows by bits, then family. `progress` hears (finished entries, entries).
    public static func run(_ setup: Setup, progress: ((Int, Int) -> Void)? = nil) throws -> [Row] {
        guard !setup.bits.isEmpty, !setup.families.isEmpty else {
            throw QuantizationError.invalidParameter(field: "bits-study", message: "bits and families must each name at least one value")
        }
        if let bad = setup.bits.first(where: { !(2...8).contains($0) }) {
            throw QuantizationError.invalidParameter(field: "bits", message: "expected 2...8 bits per weight, got \(bad)")
        }
        guard setup.weights.shape.count == 2, setup.activations.shape.count == 2, setup.weights.shape[1] == setup.activations.shape[1] else {
            throw QuantizationError.invalidShape("weights [N, K] and activations [M, K] must be matrices sharing K, got \(setup.weights.shape) and \(setup.activations.shape)")
        }
        try setup.weights.requireFinite()
        try setup.activations.requireFinite()
        try setup.request.validate()
        // Every entry is planned (and every format checked) before anything runs.
        var plan = [(family: Family, bits: Int, architecture: ArchitectureConfig)]()
        for bits in setup.bits.sorted() {
            for family in setup.families {
                guard let format = try format(family, bits: bits, setup: setup) else { continue }
                guard var architecture = setup.architectures[family] else {
                    throw QuantizationError.invalidParameter(field: "architectures", message: "no architecture for the \(family.rawValue) family")
                }
                guard architecture.array.peType.takes(format) else {
                    throw QuantizationError.invalidParameter(field: "architectures", message: "\(architecture.name) cannot run \(format.name) weights")
                }
                architecture.weightFormat = format
                architecture.name = "\(architecture.name) with \(format.name)"
                plan.append((family, bits, architecture))
            }
        }
        let exact = exactProduct(setup.weights, setup.activations)
        let rtl = try RTLModel.shared()
        var rows = [Row]()
        for (index, entry) in plan.enumerated() {
            let architecture = entry.architecture
            let quantizer = try architecture.weightFormat.makeFormat()
            let quantized = try quantizer.quantize(setup.weights)
            let stats = QuantizationStats(original: setup.weights, reconstructed: try quantizer.dequantize(quantized),
                                          bitsPerWeight: quantized.bitsPerWeight)
            let operands = try GemmOperands(weights: quantized, activations: setup.activations, activationBits: architecture.activationBits)
            let output = try GemmReference.run(operands, lutScale: architecture.array.lutScale)
            var row = Row(family: entry.family, bits: entry.bits, format: architecture.weightFormat.name, architecture: architecture.name,
                          kvFormat: architecture.kvFormat.name, activationBits: architecture.activationBits, bitsPerWeight: stats.bitsPerWeight,
                          weightSQNR: stats.sqnrDecibels, outputSQNR: sqnr(exact, output), phases: [])
            let problems = architecture.formatProblems
            if !problems.isEmpty {
                row.infeasible = problems.joined(separator: "; ")
            } else {
                let result = try WorkloadRunner(architecture: architecture, energy: setup.energy, rtl: rtl).run(setup.request)
                (row.kvFormat, row.activationBits) = (result.kvFormat, result.activationBits)
                row.phases = result.phases.map {
                    PhaseCost(phase: $0.phase, latencySeconds: $0.latencySeconds, tokensPerSecond: $0.tokensPerSecond, energy: $0.totalEnergy)
                }
            }
            rows.append(row)
            progress?(index + 1, plan.count)
        }
        return rows
    }

    /// X·W^T of the unquantized operands in binary64, [M, N] row-major.
    static func exactProduct(_ weights: Tensor, _ activations: Tensor) -> [Double] {
        let (n, k, m) = (weights.shape[0], weights.shape[1], activations.shape[0])
        var product = [Double](repeating: 0, count: m * n)
        for row in 0..<m {
            for column in 0..<n {
                var sum = 0.0
                for step in 0..<k { sum += Double(activations.values[row * k + step]) * Double(weights.values[column * k + step]) }
                product[row * n + column] = sum
            }
        }
        return product
    }

    /// 10·log10(signal / noise) of `approximation` against `exact`; nil when they are equal.
    static func sqnr(_ exact: [Double], _ approximation: [Float]) -> Double? {
        var ratio = SignalToNoise()
        for (x, y) in zip(exact, approximation) { ratio.add(exact: x, approximation: Double(y)) }
        return ratio.decibels
    }
}
