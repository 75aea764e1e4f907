import ArgumentParser
import Foundation
import MantConfig
import MantModels
import MantSimulation
import MantSweep

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

    /// The same options as arguments, paths made absolute (for a batch script run elsewhere).
    var arguments: [String] {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardized.path }
        var result = [String]()
        if let evalModel { result += ["--eval-model", absolute(evalModel)] }
        if let evalText { result += ["--eval-text", absolute(evalText)] }
        result += ["--eval-tokens", "\(evalTokens)", "--eval-context", "\(evalContext)"]
        if noPerplexity { result.append("--no-perplexity") }
        if noCache { result.append("--no-cache") }
        return result
    }

    func validate() throws {
        try OptionBounds.check("(perplexity options)", "--eval-tokens", evalTokens)
        try OptionBounds.check("(perplexity options)", "--eval-context", evalContext)
    }

    /// Each architecture's perplexity beside the FP32 model's, or nil when left out.
    func summary(for architectures: [ArchitectureConfig]) throws -> PerplexitySummary? {
        try summary { try PerplexityEvaluator.evaluations(of: architectures, quantizeEmbeddings: false) }
    }

    /// The FP32 model's perplexity and each evaluation's (by label), or nil when left out.
    func summary(_ evaluations: () throws -> [PerplexityEvaluator.Evaluation]) throws -> PerplexitySummary? {
        guard let session = try session() else { return nil }
        let rows = try session.evaluate(try evaluations())
        return PerplexitySummary(model: session.model, text: session.text, tokens: session.ids, context: evalContext,
                                 fp32: rows[0].result.perplexity,
                                 values: Dictionary(rows.dropFirst().map { ($0.architecture, $0.result.perplexity) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The evaluation model and text opened once, or nil when left out (`required` names what
    /// needs them, and then their absence is an error).
    func session(required: String? = nil) throws -> EvaluationSession? {
        if noPerplexity {
            if let required { throw ValidationError("\(required) needs a perplexity; --no-perplexity leaves it out") }
            return nil
        }
        let path = evalModel ?? PerplexityCommand.defaultModelPath
        guard FileManager.default.fileExists(atPath: path) else {
            if evalModel != nil { throw ValidationError("--eval-model: \(path) does not exist") }
            if let required { throw ValidationError("\(required) needs the evaluation model: \(path) is missing (`make model` fetches it; --eval-model names another)") }
            FileHandle.standardError.write(Data("note: perplexity left out: \(path) is missing (`make model` fetches it; --eval-model names another, --no-perplexity silences this)\n".utf8))
            return nil
        }
        let source = LanguageModelOptions(modelFile: path, text: evalText)
        let checkpoint = try source.checkpoint()
        let text = try source.readText()
        let ids = Array(try checkpoint.tokenizer().encode(text.string).prefix(evalTokens))
        guard ids.count >= 2 else { throw ValidationError("--eval-text: \(text.path) gives \(ids.count) tokens; perplexity needs at least 2") }
        let evaluator = try PerplexityEvaluator(checkpoint: checkpoint, modelFile: path, ids: ids, context: evalContext, useCache: !noCache)
        return EvaluationSession(evaluator: evaluator, model: checkpoint.config.shape.name, text: text.path, ids: ids.count)
    }
}

/// One evaluation model on one text: perplexities on demand, each from the cache when it holds it.
struct EvaluationSession: PerplexityMeasure {
    let evaluator: PerplexityEvaluator
    let model: String
    let text: String
    let ids: Int

    func evaluate(_ evaluations: [PerplexityEvaluator.Evaluation]) throws -> [PerplexityReport.Row] {
        let progress = SimulationProgress()
        defer { progress.finish() }
        return try evaluator.evaluate(evaluations, progress: progress)
    }

    /// The FP32 model's perplexity.
    func fp32() throws -> Double { try evaluate([PerplexityEvaluator.fp32])[0].result.perplexity }

    /// One architecture's perplexity under its formats.
    func perplexity(of architecture: ArchitectureConfig) throws -> Double {
        try evaluate([(architecture.name, try architecture.modelNumerics(quantizeEmbedding: false), architecture.numericsSummary)])[0].result.perplexity
    }
}

extension LanguageModelOptions {
    init(modelFile: String, text: String?) {
        self.init()
        self.modelFile = modelFile
        self.text = text
    }
}
