import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantSimulation
import MantWorkload

/// Whole-workload speed: LLaMA-2-7B, prefill 2048 tokens and decode 128, on every bundled
/// architecture in fast fidelity; and fast against cycle fidelity on one projection, same run.
enum WorkloadBenchmark {
    static let architectures = ["fp16", "int8", "int4", "ant", "olive", "mxfp4", "lut", "vq", "mant"]

    static func run(configs: String) throws -> String {
        let model = try ModelConfig.load(path: "\(configs)/models/llama-2-7b.json")
        let energy = try EnergyTable.load(path: "\(configs)/energy/28nm.yaml")
        let rtl = try RTLModel()
        var rows = [String]()
        var total = 0.0
        for name in architectures {
            let architecture = try ArchitectureConfig.load(path: "\(configs)/arch/\(name).yaml")
            let runner = try WorkloadRunner(architecture: architecture, energy: energy, rtl: rtl)
            var result: RunResult?
            let time = try seconds { result = try runner.run(WorkloadRequest(model: model, promptLength: 2048, generatedTokens: 128)) }
            total += time
            let cycles = result!.phases.reduce(UInt64(0)) { $0 + $1.cycles }
            rows.append("| \(architecture.name) | \(String(format: "%.2f", time)) s | \(String(format: "%.3g", Double(cycles))) |")
            FileHandle.standardError.write(Data("\(name): \(String(format: "%.2f", time)) s\n".utf8))
        }

        // One q_proj of a 256-token prefill, stepped tile by tile and in fast fidelity.
        let architecture = try ArchitectureConfig.load(path: "\(configs)/arch/mant.yaml")
        let weights = try architecture.weightFormat.makeFormat().quantize(try SyntheticTensor.llmLike(rows: 4096, columns: 4096, seed: 1))
        let operands = try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: 256, columns: 4096, seed: 2))
        var cycle: GemmResult?, fast: GemmResult?
        let cycleTime = try seconds { cycle = try rtl.run(operands, on: architecture.array, dataflow: .weightStationary, fidelity: .cycle) }
        let fastTime = try seconds { fast = try rtl.run(operands, on: architecture.array, dataflow: .weightStationary, fidelity: .fast) }
        let worst = cycle!.counters.keys.map { name -> Double in
            let a = Double(cycle!.counters[name]!), b = Double(fast!.counters[name] ?? 0)
            return a == 0 ? (b == 0 ? 0 : 1) : abs(a - b) / a
        }.max() ?? 0
        return """
        <!-- bench:workload:start -->
        ## Whole-workload simulation

        `make bench`: `WorkloadRunner` (what `mantsim run` and `mantsim compare` use) on LLaMA-2-7B, batch 1,
        prefill 2048 tokens then decode 128 tokens (attention simulated at every decode step), fast
        fidelity, 28 nm energy, on this 2-core machine. Goal: every bundled architecture within 60 s in total.

        | architecture | wall time | simulated cycles |
        |---|---:|---:|
        \(rows.joined(separator: "\n"))
        | **all \(architectures.count)** | **\(String(format: "%.1f", total)) s** | |

        Fast against cycle fidelity, same run: one q_proj (M=256, K=N=4096) on the 32 x 32 M-ANT array
        took \(String(format: "%.2f", cycleTime)) s stepping every tile and \(String(format: "%.3f", fastTime)) s in fast fidelity
        (\(String(format: "%.0f", cycleTime / fastTime))x); total cycles \(cycle!.totalCycles) and \(fast!.totalCycles), largest counter
        difference \(String(format: "%.4f", worst * 100))%.

        <!-- bench:workload:end -->

        """
    }
}
