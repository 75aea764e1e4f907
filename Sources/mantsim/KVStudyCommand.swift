import ArgumentParser
import Foundation
import MantSimulation
import MantModels
import MantStudies

struct KVStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv-study",
        abstract: "Attention-output error of KV-cache schemes, M-ANT's two-stage engine among them, at several context lengths.",
        discussion: """
        Seeded K and V token streams with outlier channels are cached by each scheme; attention
        (FP32 queries and probabilities) over the dequantized cache is compared with attention over
        the FP32 cache. Schemes:
        \(KVStudy.Scheme.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))

        Examples:
          mantsim kv-study
          mantsim kv-study --contexts 100,1000 --head-dim 128 --heads 32 --kv-heads 8 --json
        """
    )

    @Option(help: "Context lengths in tokens, comma-separated.")
    var contexts: String = "64,256,1024,4096"

    @Option(help: "Head dimension (a multiple of 64, the K group).")
    var headDim: Int = 128

    @Option(help: "Query heads.")
    var heads: Int = 4

    @Option(help: "KV heads (grouped-query attention when fewer than --heads).")
    var kvHeads: Int = 2

    @Option(help: "Query vectors per head.")
    var queries: Int = 4

    @Option(help: "Tokens per V window (stage 2 requantizes a full window as one M-ANT group per channel).")
    var window: Int = 64

    @Option(help: "Seed of the token streams and queries.")
    var seed: UInt64 = 2025

    @OptionGroup var output: ReportOptions
    @OptionGroup(title: "Perplexity") var evaluation: EvaluationOptions

    private var parsedContexts: [Int]? {
        let parsed = contexts.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parsed.isEmpty || parsed.contains(nil) ? nil : parsed.map { $0! }
    }

    func validate() throws {
        guard let parsed = parsedContexts else { throw ValidationError("--contexts takes whole numbers, e.g. 64,256,1024") }
        try OptionBounds.check("kv-study", "--contexts", parsed)
        for (option, value) in [("--head-dim", headDim), ("--heads", heads), ("--kv-heads", kvHeads), ("--queries", queries), ("--window", window)] {
            try OptionBounds.check("kv-study", option, value)
        }
    }

    func run() throws {
        var setup = KVStudy.Setup()
        setup.contexts = parsedContexts ?? []
        (setup.headDimension, setup.heads, setup.kvHeads, setup.queriesPerHead, setup.window, setup.seed) = (headDim, heads, kvHeads, queries, window, seed)
        let progress = SimulationProgress()
        var rows = try KVStudy.run(setup) { done, total in progress.report("KV heads studied", done: done, total: total) }
        progress.finish()
        // The same caches on a real model, its weights and activations in FP32.
        let window = setup.window
        var note: String?
        if let summary = try evaluation.summary({
            try [PerplexityEvaluator.fp32] + KVStudy.Scheme.allCases.map { scheme in
                (scheme.rawValue, ModelNumerics(label: scheme.rawValue, kvCache: try KVStudy.kvCache(scheme, window: window)), ("as stored", "fp32", scheme.rawValue))
            }
        }) {
            for index in rows.indices {
                rows[index].perplexity = summary.values[rows[index].scheme.rawValue]
                rows[index].perplexityFP32 = summary.fp32
            }
            note = "Perplexity of \(summary.model) on \(summary.text), \(summary.tokens) tokens in windows of \(summary.context), "
                + "weights and activations in FP32, K and V cached by each scheme token by token (FP32 cache: \(String(format: "%.3f", summary.fp32)))"
        }
        try output.print(rows, csv: { KVStudyCommand.csv(rows) }, text: { KVStudyCommand.text(rows, setup: setup, perplexity: note) })
    }

    static func text(_ rows: [KVStudy.Row], setup: KVStudy.Setup, perplexity: String? = nil) -> String {
        let contexts = setup.contexts
        func table(_ value: (KVStudy.Row) -> Double?) -> String {
            var table = TextTable(header: ["scheme", "bits/value"] + contexts.map { "@\($0) tokens" })
            for scheme in KVStudy.Scheme.allCases {
                let mine = rows.filter { $0.scheme == scheme }
                let bits = mine.first { $0.context == contexts.max() }.map { String(format: "%.3f", $0.bitsPerValue) } ?? ""
                table.rows.append([scheme.rawValue, bits] + contexts.map { context in
                    mine.first { $0.context == context }.flatMap(value).map { String(format: "%.2f", $0) } ?? "exact"
                })
            }
            return table.render()
        }
        return ["Attention output vs FP32 cache: head dim \(setup.headDimension), \(setup.heads) heads over \(setup.kvHeads) KV heads, "
                + "\(setup.queriesPerHead) queries per head, V window \(setup.window), seed \(setup.seed)",
                "Bits per cached value at the longest context (the two-stage engine's open INT8 window costs more at short ones).", "",
                "SQNR (dB), K and V quantized", table(\.sqnrDecibels), "",
                "SQNR (dB), V quantized, K in FP32: what each V path costs", table(\.valueOnlySqnrDecibels)].joined(separator: "\n")
            + perplexityTable(rows, note: perplexity)
    }

    static func perplexityTable(_ rows: [KVStudy.Row], note: String?) -> String {
        guard let note else { return "" }
        var table = TextTable(header: ["scheme", "perplexity", "vs FP32 cache"])
        for scheme in KVStudy.Scheme.allCases {
            guard let row = rows.first(where: { $0.scheme == scheme }), let value = row.perplexity, let fp32 = row.perplexityFP32 else { continue }
            table.rows.append([scheme.rawValue, String(format: "%.3f", value), String(format: "%+.2f%%", 100 * (value / fp32 - 1))])
        }
        return "\n\n" + note + "\n" + table.render()
    }

    static func csv(_ rows: [KVStudy.Row]) -> String {
        (["scheme,context,sqnr_db,value_only_sqnr_db,bits_per_value,perplexity,perplexity_fp32"] + rows.map { row in
            [row.scheme.rawValue, "\(row.context)", row.sqnrDecibels.map { "\($0)" } ?? "", row.valueOnlySqnrDecibels.map { "\($0)" } ?? "",
             "\(row.bitsPerValue)", row.perplexity.map { "\($0)" } ?? "", row.perplexityFP32.map { "\($0)" } ?? ""].joined(separator: ",")
        })
            .joined(separator: "\n") + "\n"
    }
}
