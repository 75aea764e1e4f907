import ArgumentParser
import Foundation
import MantConfig
import MantModels
import MantSimulation

/// The real model whose perplexity `compare` reports beside each array's cost.
struct EvaluationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model perplexity is measured on: a GGUF file or Hugging Face checkpoint directory (default: \(PerplexityCommand.defaultModel), which `make model` fetches; without it the column is left out).", valueName: "path"))
    var evalModel: String?

    @Option(help: ArgumentHelp("UTF-8 text it is measured on (default: \(PerplexityCommand.defaultText)).", valueName: "file"))
    var evalText: String?

    @Option(help: "Tokens of that text scored.")
    var evalTokens = 1024

    @Option(help: "Tokens per window.")
    var evalContext = 512

    @Flag(help: "Leave perplexity out.")
    var noPerplexity = false

    @Flag(help: "Compute every perplexity again instead of taking it from the cache.")
    var noCache = false

    func validate() throws {
        if evalTokens < 2 { throw ValidationError("--eval-tokens is \(evalTokens); perplexity needs at least 2 tokens") }
        if evalContext < 2 { throw ValidationError("--eval-context is \(evalContext); a window needs at least 2 tokens") }
    }

    /// Each architecture's perplexity beside the FP32 model's, or nil when left out.
    func summary(for architectures: [ArchitectureConfig]) throws -> PerplexitySummary? {
        try summary { try PerplexityEvaluator.evaluations(of: architectures, quantizeEmbeddings: false) }
    }

    /// The FP32 model's perplexity and each evaluation's (by label), or nil when left out.
    func summary(_ evaluations: () throws -> [PerplexityEvaluator.Evaluation]) throws -> PerplexitySummary? {
        guard !noPerplexity else { return nil }
        let path = evalModel ?? PerplexityCommand.defaultModel
        guard FileManager.default.fileExists(atPath: path) else {
            if evalModel != nil { throw ValidationError("--eval-model: \(path) does not exist") }
            FileHandle.standardError.write(Data("note: perplexity left out: \(path) is missing (`make model` fetches it; --eval-model names another, --no-perplexity silences this)\n".utf8))
            return nil
        }
        let source = LanguageModelOptions(modelFile: path, text: evalText)
        let checkpoint = try source.checkpoint()
        let text = try source.readText()
        let ids = Array(try checkpoint.tokenizer().encode(text.string).prefix(evalTokens))
        guard ids.count >= 2 else { throw ValidationError("--eval-text: \(text.path) gives \(ids.count) tokens; perplexity needs at least 2") }
        let progress = SimulationProgress()
        defer { progress.finish() }
        let evaluator = try PerplexityEvaluator(checkpoint: checkpoint, modelFile: path, ids: ids, context: evalContext, useCache: !noCache)
        let rows = try evaluator.evaluate(try evaluations(), progress: progress)
        return PerplexitySummary(model: checkpoint.config.shape.name, text: text.path, tokens: ids.count, context: evalContext,
                                 fp32: rows[0].result.perplexity,
                                 values: Dictionary(rows.dropFirst().map { ($0.architecture, $0.result.perplexity) }, uniquingKeysWith: { first, _ in first }))
    }
}

extension LanguageModelOptions {
    init(modelFile: String, text: String?) {
        self.init()
        self.modelFile = modelFile
        self.text = text
    }
}
