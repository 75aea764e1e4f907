import Foundation

/// Perplexity over non-overlapping windows: tokens [0, C), [C, 2C), ... each run from position 0
/// with no BOS added, each scoring its own next-token predictions (C − 1 for a full window; a last,
/// shorter window of at least two tokens scores its length − 1). Perplexity is
/// exp(Σ negative log-likelihood / number of predictions), the log-softmax in FP64.
public struct Perplexity: Codable, Equatable, Sendable {
    public let context: Int
    public let tokens: Int
    public let windows: Int
    public let predictions: Int
    public let negativeLogLikelihood: Double
    public var perplexity: Double { Foundation.exp(negativeLogLikelihood / Double(predictions)) }

    /// The windows `tokens` is cut into, each with at least two tokens.
    public static func windows(tokens: Int, context: Int) -> [Range<Int>] {
        stride(from: 0, to: tokens, by: context).map { $0..<min($0 + context, tokens) }.filter { $0.count >= 2 }
    }

    public static func evaluate(_ model: LanguageModel, tokens: [Int], context: Int,
                                progress: ((Int, Int) -> Void)? = nil) throws -> Perplexity {
        guard context >= 2 else { throw PerplexityError("context: is \(context); a window needs at least 2 tokens") }
        guard tokens.count >= 2 else { throw PerplexityError("tokens: \(tokens.count) given; perplexity needs at least 2") }
        let vocabulary = model.config.shape.vocabularySize
        if let position = tokens.firstIndex(where: { !(0..<vocabulary).contains($0) }) {
            throw PerplexityError("tokens[\(position)]: is \(tokens[position]); the model's vocabulary has ids 0 to \(vocabulary - 1)")
        }
        let windows = windows(tokens: tokens.count, context: context)
        var total = 0.0, predictions = 0
        for (index, window) in windows.enumerated() {
            let losses = try model.negativeLogLikelihoods(Array(tokens[window]))
            total += losses.reduce(0, +)
            predictions += losses.count
            progress?(index + 1, windows.count)
        }
        return Perplexity(context: context, tokens: tokens.count, windows: windows.count, predictions: predictions, negativeLogLikelihood: total)
    }

    enum CodingKeys: String, CodingKey { case context, tokens, windows, predictions, negativeLogLikelihood = "negative_log_likelihood", perplexity }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(context, forKey: .context)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(windows, forKey: .windows)
        try container.encode(predictions, forKey: .predictions)
        try container.encode(negativeLogLikelihood, forKey: .negativeLogLikelihood)
        try container.encode(perplexity, forKey: .perplexity)
    }

    public init(context: Int, tokens: Int, windows: Int, predictions: Int, negativeLogLikelihood: Double) {
        (self.context, self.tokens, self.windows, self.predictions, self.negativeLogLikelihood) = (context, tokens, windows, predictions, negativeLogLikelihood)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(context: try container.decode(Int.self, forKey: .context), tokens: try container.decode(Int.self, forKey: .tokens),
                  windows: try container.decode(Int.self, forKey: .windows), predictions: try container.decode(Int.self, forKey: .predictions),
                  negativeLogLikelihood: try container.decode(Double.self, forKey: .negativeLogLikelihood))
    }
}

public struct PerplexityError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
