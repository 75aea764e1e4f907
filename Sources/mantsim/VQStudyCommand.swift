import ArgumentParser
import Foundation
import MantConfig
import MantSimulation
import MantStudies

struct VQStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vq-study",
        abstract: "VQ array latency with and without a hot-entry store, across n_hot, codebook banks and VQ configurations.",
        discussion: """
        VQ-LLM's hot-entry study, run on the SystemC VQ array. Per configuration a seeded LLM-like
        block is quantized once (k-means codebooks, entries ordered hottest first, so the hot-entry
        store holds indices below n_hot); each LLaMA-7B shape repeats the block and runs in full.
        Weight configurations (--configs) run the projection GEMV and GEMM shapes; KV-cache
        configurations (--kv-configs) run one head's decode attention over a 2048-token VQ-coded
        cache: Q*K^T reads K along its head dimension, P*V reads V^T across head channels. The decoder issues up to --lanes lookups a cycle in stream order; a lookup waits
        for the next cycle when its codebook bank or the hot store's ports are taken. Decoding a tile
        feeds the weight link behind the tiles in flight; a decoder that cannot keep up leaves the
        array underused (utilization: MACs over PE-cycles).
        Speedup: latency without a hot store over latency with one.

        aqlm3's 4096-entry codebooks take about 20 s to train on the default 64-row block; quip4's
        65,536-entry ones take minutes (name it with --configs to include it).

        Examples:
          mantsim vq-study
          mantsim vq-study --configs gptvq2 --hot 0,8,32,128 --banks 1,4,16 --csv
          mantsim vq-study --configs "" --kv-configs cq2 --hot 0,32   # attention over a CQ-2 cache only
        """
    )

    @Option(help: "Architecture whose VQ array is varied (banks and n_hot per point; everything else as its file says): a bundled name or a YAML path. The default, vq-aqlm3, is the bundled VQ array whose codebook SRAM holds two sets of AQLM-3's codebooks; a point the array cannot hold (a codebook set larger than its SRAM, more hot entries than the codebook has) is reported as infeasible, never run on resized hardware.")
    var arch: String = "vq-aqlm3"

    @Option(help: "VQ configurations of the weight shapes, comma-separated (gptvq2, aqlm3, quip4, cq4, cq2, vq-V-K-R).")
    var configs: String = "gptvq2,aqlm3"

    @Option(name: .customLong("kv-configs"), help: "VQ configurations of the KV cache for the attention shapes, comma-separated (empty: none).")
    var kvConfigs: String = "cq4,cq2"

    @Option(help: "Hot-entry store sizes n_hot, comma-separated (0: no store).")
    var hot: String = "0,16,64,256"

    @Option(help: "Codebook SRAM banks, comma-separated.")
    var banks: String = "4,16"

    @Option(help: "Weight rows quantized per configuration (the shapes' output channels repeat them).")
    var rows: Int = 64

    @Option(help: "Seed of the weight block and activations.")
    var seed: UInt64 = 2025

    @OptionGroup var output: ReportOptions

    static func integers(_ text: String, option: String, example: String = "0,16,64") throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { throw ValidationError("\(option) takes whole numbers, e.g. \(example)") }
        return values.map { $0! }
    }

    func validate() throws {
        try OptionBounds.check("vq-study", "--rows", rows)
        try OptionBounds.check("vq-study", "--hot", try VQStudyCommand.integers(hot, option: "--hot"))
        try OptionBounds.check("vq-study", "--banks", try VQStudyCommand.integers(banks, option: "--banks"))
    }

    func run() throws {
        var setup = VQStudy.Setup(base: try ArchitectureConfig.load(path: try BundledConfig.path(arch, kind: .arch)))
        setup.configs = configs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        setup.kvConfigs = kvConfigs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if setup.kvConfigs.isEmpty { setup.shapes.removeAll { $0.operand != .weights } }
        if setup.configs.isEmpty { setup.shapes.removeAll { $0.operand == .weights } }
        setup.hotEntries = try VQStudyCommand.integers(hot, option: "--hot")
        setup.banks = try VQStudyCommand.integers(banks, option: "--banks")
        setup.blockRows = rows
        setup.seed = seed
        let progress = SimulationProgress()
        let result = try VQStudy.run(setup) { done, total in progress.report("VQ array runs", done: done, total: total) }
        progress.finish()
        try output.print(result, csv: { VQStudyCommand.csv(result) }, text: { VQStudyCommand.text(result, setup: setup) })
    }

    static func text(_ rows: [VQStudy.Row], setup: VQStudy.Setup) -> String {
        let array = setup.base.array
        var table = TextTable(header: ["config", "shape", "banks", "n_hot", "cycles", "decode cycles", "conflict cycles", "utilization",
                                       "hot hits", "speedup"])
        for row in rows {
            guard row.infeasible == nil else {
                table.rows.append([row.config, "\(row.shape) \(row.m)x\(row.k)x\(row.n)", "\(row.banks)", "\(row.hotEntries)"]
                                  + Array(repeating: "infeasible", count: 6))
                continue
            }
            table.rows.append([row.config, "\(row.shape) \(row.m)x\(row.k)x\(row.n)", "\(row.banks)", "\(row.hotEntries)", "\(row.totalCycles)",
                               "\(row.decoderCycles)", "\(row.conflictCycles)", String(format: "%.3f", row.utilization),
                               String(format: "%.1f%%", row.hotHitRate * 100), String(format: "%.3fx", row.speedup)])
        }
        var reasons = [String]()
        for row in rows { if let reason = row.infeasible, !reasons.contains(reason) { reasons.append(reason) } }
        return (["VQ array \(array.rows)x\(array.columns) (\(setup.base.name)): \(array.decoderLanes) lookups/cycle, \(array.hotPorts) hot-store ports, "
                 + "\(array.codebookBytes / 1024) KiB codebook SRAM, weight block \(setup.blockRows) rows, seed \(setup.seed), fast fidelity", "", table.render()]
                + reasons.map { "infeasible: \($0)" }).joined(separator: "\n")
    }

    static func csv(_ rows: [VQStudy.Row]) -> String {
        (["config,shape,m,k,n,banks,hot_entries,total_cycles,decoder_cycles,conflict_cycles,utilization,hot_hit_rate,speedup,infeasible"] + rows.map { row in
            [row.config, row.shape, "\(row.m)", "\(row.k)", "\(row.n)", "\(row.banks)", "\(row.hotEntries)", "\(row.totalCycles)",
             "\(row.decoderCycles)", "\(row.conflictCycles)", String(format: "%.3f", row.utilization), "\(row.hotHitRate)", "\(row.speedup)",
             row.infeasible.map { "\"\($0)\"" } ?? ""].joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }
}
