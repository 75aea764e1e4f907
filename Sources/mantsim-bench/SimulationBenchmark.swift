import Dispatch
import Foundation
import MantHardware
import MantNumerics

/// Cycle-level simulation throughput: a 64 x 64 M-ANT array running a prefill-sized GEMM,
/// in PE-updates per second (PEs x simulated compute cycles / wall time), against a plain C++
/// loop computing the same quantized GEMM with the same compiler flags, in the same run.
enum SimulationBenchmark {
    static func run(m: Int, k: Int, n: Int) throws -> String {
        let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: 2025)
        let activations = try SyntheticTensor.llmLike(rows: m, columns: k, seed: 2026)
        let operands = try GemmOperands(weights: try MANTFormat().quantize(weights), activations: activations)
        var config = ArrayConfig(peType: .mant, rows: 64, columns: 64)
        // Buffers large enough that the 64 tokens form one M tile: the benchmark measures the
        // model's speed, not a re-streaming schedule.
        config.weightBufferBytes = 256 * 1024
        config.activationBufferBytes = 512 * 1024
        config.outputBufferBytes = 256 * 1024
        let model = try RTLModel()

        var result: GemmResult?
        let simulated = try seconds { result = try model.run(operands, on: config, dataflow: .weightStationary) }
        var native = [Float]()
        let plain = try seconds { native = try NativeGemm.run(operands, on: config) }
        guard let result, native.map(\.bitPattern) == result.output.map(\.bitPattern) else {
            throw RTLError(kind: .internalFailure, message: "benchmark: the model and the native loop disagree")
        }
        let steppedCycles = result.counters["controller.compute_cycles"] ?? 0
        let updates = Double(config.rows * config.columns) * Double(steppedCycles)
        let rate = updates / simulated
        return """
        <!-- bench:simulation:start -->
        ## Cycle-level simulation throughput

        `make bench`: one weight-stationary GEMM M=\(m) K=\(k) N=\(n) (M-ANT, group 64, INT8 activations) on a
        64 x 64 M-ANT array, on one core. PE-updates are PEs x cycles in which the array steps
        (\(steppedCycles) of the job's \(result.totalCycles) cycles); the wall time covers the whole job (decode, DMA, stalls).
        The native loop computes the same quantized GEMM in plain C++ with the model's compiler flags;
        both produce bit-identical outputs (checked in the run). Goals: at least 1e9 PE-updates/s,
        and the model within 20x of the native loop.

        | measure | value |
        |---|---:|
        | simulation wall time | \(String(format: "%.2f", simulated)) s |
        | PE-updates per second | \(String(format: "%.3g", rate)) |
        | native loop wall time | \(String(format: "%.2f", plain)) s |
        | model time / native loop time | \(String(format: "%.1f", simulated / plain))x |

        <!-- bench:simulation:end -->

        """
    }
}
