/// A real model's perplexity under each architecture's formats, beside their cost: the model and
/// text it comes from (not necessarily the workload's model), and the FP32 model's as reference.
public struct PerplexitySummary: Sendable, Codable, Equatable {
    public var model: String
    public var text: String
    public var tokens: Int
    public var context: Int
    public var fp32: Double
    /// By architecture name.
    public var values: [String: Double]

    public init(model: String, text: String, tokens: Int, context: Int, fp32: Double, values: [String: Double]) {
        (self.model, self.text, self.tokens, self.context, self.fp32, self.values) = (model, text, tokens, context, fp32, values)
    }

    /// Percent above the FP32 model's.
    public func increase(of architecture: String) -> Double? { values[architecture].map { 100 * ($0 / fp32 - 1) } }
}
