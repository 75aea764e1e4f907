import Foundation
import MantConfig
import MantModels
import MantSimulation
import MantSweep

/// Evaluates one checkpoint on one token sequence under several numerics, each result taken from
/// or added to the perplexity cache. `perplexity --archs` and the perplexity column of `compare`
/// share it.
struct PerplexityEvaluator {
    typealias Evaluation = (label: String, numerics: ModelNumerics, formats: (weights: String, activations: String, kv: String))

    let checkpoint: Checkpoint
    let modelFile: String
    let ids: [Int]
    let context: Int
    let cache: PerplexityCache?
    /// What besides the numerics decides the numbers: MantSim's version, the model, the tokens, the window.
    let identity: String

    init(checkpoint: Checkpoint, modelFile: String, ids: [Int], context: Int, useCache: Bool) throws {
        (self.checkpoint, self.modelFile, self.ids, self.context) = (checkpoint, modelFile, ids, context)
        cache = useCache ? try PerplexityCache { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) } : nil
        identity = cache == nil ? ""
            : "mantsim \(mantsimVersion); model \(try PerplexityCommand.digest(ofModel: modelFile)); tokens \(PerplexityCommand.digest(ofTokens: ids)); context \(context)"
    }

    /// The checkpoint as stored, computed in FP32.
    static let fp32: Evaluation = ("fp32", .fp32, ("as stored", "fp32", "fp32"))

    /// The FP32 checkpoint first, then each architecture's formats.
    static func evaluations(of architectures: [ArchitectureConfig], quantizeEmbeddings: Bool) throws -> [Evaluation] {
        try [fp32]
            + architectures.map { ($0.name, try $0.modelNumerics(quantizeEmbedding: quantizeEmbeddings), $0.numericsSummary) }
    }

    func evaluate(_ evaluations: [Evaluation], progress: SimulationProgress) throws -> [PerplexityReport.Row] {
        let scored = Perplexity.windows(tokens: ids.count, context: context).map(\.count).reduce(0, +)
        var rows = [PerplexityReport.Row]()
        for (index, evaluation) in evaluations.enumerated() {
            let key = PerplexityCommand.sha256(Data("\(identity); \(evaluation.numerics.settings)".utf8))
            func increase(_ result: Perplexity) -> Double? { rows.first.map { 100 * (result.perplexity / $0.result.perplexity - 1) } }
            if let cache, let result = cache.lookup(key) {
                rows.append(.init(architecture: evaluation.label, weights: evaluation.formats.weights, activations: evaluation.formats.activations,
                                  kvCache: evaluation.formats.kv, result: result, loadSeconds: 0, evaluationSeconds: 0, tokensPerSecond: 0,
                                  increasePercent: increase(result), cached: true))
                continue
            }
            let prefix = evaluations.count > 1 ? "[\(evaluation.label) \(index + 1)/\(evaluations.count)] " : ""
            let loading = Date()
            let model: LanguageModel
            let result: Perplexity
            var scoring = Date()
            do {
                model = try LanguageModel(checkpoint: checkpoint, numerics: evaluation.numerics) { done, total in
                    progress.report("\(prefix)layers loaded\(evaluation.numerics.weights == nil ? "" : " and quantized")", done: done, total: total)
                }
                scoring = Date()
                result = try Perplexity.evaluate(model, tokens: ids, context: context) { done, total in
                    progress.report("\(prefix)windows of \(context) tokens scored", done: done, total: total)
                }
            } catch {
                throw CLIError("\(evaluation.label) on \(checkpoint.config.shape.name) (\(modelFile)): \(error)")
            }
            let seconds = Date().timeIntervalSince(scoring)
            rows.append(.init(architecture: evaluation.label, weights: evaluation.formats.weights, activations: evaluation.formats.activations,
                              kvCache: evaluation.formats.kv, result: result, loadSeconds: scoring.timeIntervalSince(loading),
                              evaluationSeconds: seconds, tokensPerSecond: Double(scored) / seconds, increasePercent: increase(result), cached: false))
            try cache?.store(result, key: key, model: modelFile, settings: evaluation.numerics.settings)
        }
        return rows
    }
}
