import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantSimulation
import MantWorkload

/// Whole-workload speed: LLaMA-2-7B, prefill 2048 tokens and decode 128, on every bundled
/// architecture in fast fidelity; and fast against cycle fidelity on one projection, same run.
enum WorkloadBenchmark {
    static let architectures = BundledConfig.comparison

    /// The share of the array operators' cycles that their roofline bound, max(MACs / PEs, DRAM
    /// bits / DRAM width), accounts for; and the same with the weight link's bits / width as a
    /// third roof.
    static func bounds(_ phase: PhaseResult, _ architecture: ArchitectureConfig) -> (Double, Double) {
        let pes = Double(architecture.array.rows * architecture.array.columns)
        var cycles = 0.0, roofline = 0.0, linked = 0.0
        for op in phase.operations where op.unit == "array" || op.unit == "arrayKV" {
            let compute = Double(op.macs) / pes
            let dram = Double(op.dramReadBits + op.dramWriteBits) / Double(architecture.array.dramBitsPerCycle)
            let link = Double(op.counters["controller.weight_link_bits"] ?? 0) / Double(architecture.array.effectiveWeightLinkBits)
            cycles += Double(op.cycles)
            roofline += max(compute, dram)
            linked += max(compute, dram, link)
        }
        return (roofline / cycles, linked / cycles)
    }

    static func run(configs: String) throws -> String {
        let model = try ModelConfig.load(path: "\(configs)/models/llama-2-7b.json")
        let energy = try EnergyTable.load(path: "\(configs)/energy/28nm.yaml")
        let rtl = try RTLModel.shared()
        var rows = [String]()
        var total = 0.0
        for name in architectures {
            let architecture = try ArchitectureConfig.load(path: "\(configs)/arch/\(name).yaml")
            let runner = try WorkloadRunner(architecture: architecture, energy: energy, rtl: rtl)
            var result: RunResult?
            let time = try seconds { result = try runner.run(WorkloadRequest(model: model, promptLength: 2048, generatedTokens: 128)) }
            total += time
            let cycles = result!.phases.reduce(UInt64(0)) { $0 + $1.cycles }
            var cells = ["\(architecture.name)", "\(String(format: "%.2f", time)) s", "\(String(format: "%.3g", Double(cycles)))"]
            for phase in result!.phases {
                let (roofline, linked) = bounds(phase, architecture)
                cells += [String(format: "%.3f", phase.utilization), String(format: "%.3f", roofline), String(format: "%.3f", linked)]
            }
            rows.append("| " + cells.joined(separator: " | ") + " |")
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
        Utilization is MACs / (PEs x cycles) of the phase (vector unit included). Roofline: the share of
        the array operators' cycles that max(MACs / PEs, DRAM bits / DRAM width) accounts for; with
        link: the weight link's bits / width as a third roof.

        | architecture | wall time | simulated cycles | prefill utilization | prefill roofline | prefill with link | decode utilization | decode roofline | decode with link |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|
        \(rows.joined(separator: "\n"))
        | **all \(architectures.count)** | **\(String(format: "%.1f", total)) s** | | | | | | | |

        Fast against cycle fidelity, same run: one q_proj (M=256, K=N=4096) on the 32 x 32 M-ANT array
        took \(String(format: "%.2f", cycleTime)) s stepping every tile and \(String(format: "%.3f", fastTime)) s in fast fidelity
        (\(String(format: "%.0f", cycleTime / fastTime))x); total cycles \(cycle!.totalCycles) and \(fast!.totalCycles), largest counter
        difference \(String(format: "%.4f", worst * 100))%.

        <!-- bench:workload:end -->

        """
    }
}
