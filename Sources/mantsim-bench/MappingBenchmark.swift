import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantSimulation
import MantWorkload

/// The mapper against the fixed nest: LLaMA-2-7B prefill 2048 + decode 128 on every bundled array
/// with `mapping: fixed` and `mapping: searched`, DRAM traffic against the compulsory traffic.
enum MappingBenchmark {
    struct Side {
        var dramBytes = 0.0, compulsoryBytes = 0.0, utilization = 0.0, latency = 0.0, energy = 0.0, wall = 0.0
    }

    static func side(_ architecture: ArchitectureConfig, _ mapping: Mapping, model: ModelConfig, energy: EnergyTable, rtl: RTLModel) throws -> Side {
        var architecture = architecture
        architecture.array.mapping = mapping
        let runner = try WorkloadRunner(architecture: architecture, energy: energy, rtl: rtl)
        var result: RunResult?
        var side = Side()
        side.wall = try seconds { result = try runner.run(WorkloadRequest(model: model, promptLength: 2048, generatedTokens: 128)) }
        var macs = 0.0, cycles = 0.0
        for phase in result!.phases {
            side.latency += phase.latencySeconds
            side.energy += phase.totalEnergy
            cycles += Double(phase.cycles)
            for op in phase.operations where op.unit == "array" {
                side.dramBytes += Double(op.dramReadBits + op.dramWriteBits) / 8
                side.compulsoryBytes += Double(op.mapping?.compulsoryDRAMBits ?? 0) * Double(op.instances) / 8
                macs += Double(op.macs)
            }
        }
        side.utilization = macs / (cycles * Double(architecture.array.rows * architecture.array.columns))
        return side
    }

    /// Mapper time against simulation time per distinct weight GEMM shape.
    static func mapperTiming(configs: String, model: ModelConfig, rtl: RTLModel) throws -> [String] {
        let architecture = try ArchitectureConfig.load(path: "\(configs)/arch/int8.yaml")
        var shapes = [(Int, Int, Int)]()
        for m in [2048, 1] {
            for op in model.operations(.prefill, batch: 1, length: m) where op.unit == .array {
                if !shapes.contains(where: { $0 == (m, op.k, op.n) }) { shapes.append((m, op.k, op.n)) }
            }
        }
        var rows = [String]()
        for (m, k, n) in shapes {
            let weights = try architecture.weightFormat.makeFormat().quantize(try SyntheticTensor.llmLike(rows: n, columns: k, seed: 1))
            let operands = try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: m, columns: k, seed: 2),
                                            activationBits: architecture.activationBits)
            var mapping: GemmMapping?
            func plan(_ kind: Mapping) throws -> Double {
                var array = architecture.array
                array.mapping = kind
                var times = [Double]()
                for _ in 0..<5 { times.append(try seconds { mapping = try rtl.plan(operands, on: array, dataflow: .weightStationary) }) }
                return times.sorted()[2]
            }
            let fixed = try plan(.fixed), searched = try plan(.searched)
            let simulation = try seconds { _ = try rtl.run(operands, on: architecture.array, dataflow: .weightStationary, fidelity: .fast) }
            let shape = mapping.map { "m_t \($0.mTile), N block \($0.nBlockColumns), K chunk \($0.kChunk)\($0.weightsResident ? ", resident" : "")" } ?? ""
            let search = max(0, searched - fixed)
            rows.append("| \(m) x \(k) x \(n) | \(shape) | \(String(format: "%.1f", fixed * 1e3)) | \(String(format: "%.1f", searched * 1e3)) | "
                + "\(String(format: "%.2f", search * 1e3)) | \(String(format: "%.1f", simulation * 1e3)) | \(String(format: "%.1e", search / simulation)) |")
        }
        return rows
    }

    static func run(configs: String) throws -> String {
        let model = try ModelConfig.load(path: "\(configs)/models/llama-2-7b.json")
        let energy = try EnergyTable.load(path: "\(configs)/energy/28nm.yaml")
        let rtl = try RTLModel.shared()
        var rows = [String]()
        for name in WorkloadBenchmark.architectures {
            let architecture = try ArchitectureConfig.load(path: "\(configs)/arch/\(name).yaml")
            let fixed = try side(architecture, .fixed, model: model, energy: energy, rtl: rtl)
            let searched = try side(architecture, .searched, model: model, energy: energy, rtl: rtl)
            func gb(_ bytes: Double) -> String { String(format: "%.1f", bytes / 1e9) }
            rows.append("| \(architecture.name) | \(gb(fixed.compulsoryBytes)) | \(gb(fixed.dramBytes)) | \(gb(searched.dramBytes)) | "
                + "\(String(format: "%.3f", fixed.utilization)) | \(String(format: "%.3f", searched.utilization)) | "
                + "\(String(format: "%.2f", fixed.latency)) | \(String(format: "%.2f", searched.latency)) | "
                + "\(String(format: "%.2f", fixed.energy / 1e12)) | \(String(format: "%.2f", searched.energy / 1e12)) | "
                + "\(String(format: "%.2f", fixed.wall)) s | \(String(format: "%.2f", searched.wall)) s |")
            FileHandle.standardError.write(Data("mapping \(name): done\n".utf8))
        }
        let timing = try mapperTiming(configs: configs, model: model, rtl: rtl)
        return """
        <!-- bench:mapping:start -->
        ## Mapping: fixed nest against the searched mapping

        `make bench`: LLaMA-2-7B, prefill 2048 tokens and decode 128, fast fidelity, 28 nm energy, on every
        array of the default comparison, once with `mapping: fixed` and once with `mapping: searched`.
        DRAM traffic of the weight GEMMs (projections, FFN, LM head) against their compulsory traffic
        (every weight, activation row and output once); utilization over the whole workload; wall time
        of each run, which includes the mapper (it runs once per distinct GEMM shape, inside the run).

        | architecture | compulsory (GB) | fixed DRAM (GB) | searched DRAM (GB) | fixed utilization | searched utilization | fixed latency (s) | searched latency (s) | fixed energy (J) | searched energy (J) | fixed wall | searched wall |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        \(rows.joined(separator: "\n"))

        The mapper against one fast-fidelity simulation of the same GEMM, on the INT8 array, for the
        distinct weight GEMMs of LLaMA-2-7B prefill 2048 (M = 2048) and decode (M = 1). `RTLModel.plan`
        copies the job into C, checks it, sizes the weight stream and maps it without running it
        (median of 5); under `mapping: fixed` it evaluates one candidate, under `searched` every one,
        so the search's own time is the difference (most of a plan is copying the job's codes, which
        a run pays too); a difference of a few ms or less is run-to-run noise, shown as 0 when negative.

        | GEMM (M x K x N) | searched mapping | plan, fixed (ms) | plan, searched (ms) | search (ms) | simulation (ms) | search / simulation |
        |---|---|---:|---:|---:|---:|---:|
        \(timing.joined(separator: "\n"))

        <!-- bench:mapping:end -->

        """
    }
}
