import MantConfig
import MantModels
import MantNumerics

extension ArchitectureConfig {
    /// The array's formats applied to a real model: every linear weight in its weight format and
    /// group; the inputs of every linear layer in its activations (INT8 or INT4 per token on the
    /// integer arrays, FP16 where the array multiplies FP16); K and V as its KV cache stores them
    /// (the two-stage engine where it has one, FP16 on FP16 caches and attention units, INT16 in
    /// digit passes as the INT16 values they reproduce exactly, else its `kv` format).
    public func modelNumerics(quantizeEmbedding: Bool = false) throws -> ModelNumerics {
        let activations: ModelNumerics.Activations = activationBits >= 16 ? .fp16 : .integer(bits: activationBits)
        let cache: ModelNumerics.KVCache
        if let engine = kvEngine {
            cache = .twoStage(window: engine.window, keyGroup: engine.keyGroup, windowCapacity: engine.windowCapacity)
        } else if kvFormat.kind == .fp16 {
            cache = .fp16
        } else {
            cache = .formats(keys: try kvFormat.makeFormat(), values: try valueCacheFormat.makeFormat())
        }
        return ModelNumerics(label: name, weights: try weightFormat.makeFormat(), quantizeEmbedding: quantizeEmbedding,
                             activations: activations, kvCache: cache)
    }

    /// The formats in a few words, for reports: weights, activations, KV cache.
    public var numericsSummary: (weights: String, activations: String, kv: String) {
        (weightFormat.name, activationBits >= 16 ? "fp16" : "int\(activationBits)/token",
         kvEngine.map { "two-stage \(kvFormat.name), INT8 window of \($0.window)" } ?? kvFormat.name)
    }
}
