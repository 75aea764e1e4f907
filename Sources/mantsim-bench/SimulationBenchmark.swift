import Dispatch
import Foundation
import MantHardware
import MantNumerics

/// Cycle-level simulation throughput: a 64 x 64 M-ANT array running a prefill-sized GEMM,
/// in PE-updates per second (PEs x simulated compute cycles / wall time), against a plain C++
/// loop computing the same quantized GEMM with the same compiler flags, in the same run.
enum SimulationBenchmark {
    struct Measure {
        var label: String
        var busyCycles: UInt64, totalCycles: UInt64
        var simulated: Double, native: Double
        var rate: Double { Double(64 * 64) * Double(busyCycles) / simulated }
    }

    /// One GEMM on the 64 x 64 M-ANT array in cycle fidelity and in the native loop, outputs compared.
    static func measure(_ label: String, m: Int, k: Int, n: Int, model: RTLModel) throws -> Measure {
        let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: 2025)
        let activations = try SyntheticTensor.llmLike(rows: m, columns: k, seed: 2026)
        let operands = try GemmOperands(weights: try MANTFormat().quantize(weights), activations: activations)
        var config = ArrayConfig(peType: .mant, rows: 64, columns: 64)
        // Buffers large enough that the 64 tokens form one M tile: the benchmark measures the
        // model's speed, not a re-streaming schedule.
        config.weightBufferBytes = 256 * 1024
        config.activationBufferBytes = 512 * 1024
        config.outputBufferBytes = 256 * 1024
        var result: GemmResult?
        let simulated = try seconds { result = try model.run(operands, on: config, dataflow: .weightStationary) }
        var native = [Float]()
        let plain = try seconds { native = try NativeGemm.run(operands, on: config) }
        guard let result, native.map(\.bitPattern) == result.output.map(\.bitPattern) else {
            throw RTLError(kind: .internalFailure, message: "benchmark: the model and the native loop disagree")
        }
        return Measure(label: label, busyCycles: result.counters["controller.array_busy_cycles"] ?? 0, totalCycles: result.totalCycles,
                       simulated: simulated, native: plain)
    }

    static func run(m: Int, k: Int, n: Int) throws -> String {
        let model = try RTLModel.shared()
        let measures = [try measure("GEMM M=\(m) K=\(k) N=\(n)", m: m, k: k, n: n, model: model),
                        try measure("decode GEMV M=1 K=\(k) N=\(n)", m: 1, k: k, n: n, model: model)]
        var table = "| GEMM | array-busy cycles | job cycles | simulation wall time | PE-updates per second | native loop wall time | model / native loop |\n"
        table += "|---|---:|---:|---:|---:|---:|---:|\n"
        for row in measures {
            table += "| \(row.label) | \(row.busyCycles) | \(row.totalCycles) | \(String(format: "%.2f", row.simulated)) s | "
                + "\(String(format: "%.3g", row.rate)) | \(String(format: "%.2f", row.native)) s | \(String(format: "%.1f", row.simulated / row.native))x |\n"
        }
        return """
        <!-- bench:simulation:start -->
        ## Cycle-level simulation throughput

        `make bench`: weight-stationary GEMMs (M-ANT, group 64, INT8 activations) on a 64 x 64 M-ANT
        array in cycle fidelity, on one core: a prefill-sized GEMM and a decode GEMV. PE-updates are PEs
        x cycles in which the array holds a tile; the wall time covers the whole job (decode, DMA, weight
        loads, stalls, every tile in flight stepped). The native loop computes the same quantized GEMM in
        plain C++ with the model's compiler flags; both produce bit-identical outputs (checked in the
        run). Goals: at least 1e9 PE-updates/s on the GEMM, and the model within 20x of the native loop.

        \(table)
        <!-- bench:simulation:end -->

        """
    }
}
