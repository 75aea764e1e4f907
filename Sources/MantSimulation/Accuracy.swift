import MantConfig
import MantNumerics

/// What an architecture's formats cost in accuracy, reported beside its latency and energy.
public struct Accuracy: Sendable, Codable, Equatable {
    /// SQNR in dB of every weight the run quantized (the seeded synthetic blocks every
    /// architecture quantizes alike, or the checkpoint's tensors) against its FP32 value.
    public var weightSQNR: Double?
    /// Where those weights came from: "synthetic" or the checkpoint.
    public var weights: String
    /// SQNR in dB of attention output with the KV cache as the architecture stores it against an
    /// FP32 cache: kv-study's measure (queries and probabilities in FP32, so the error is the
    /// cache's alone), at the run's longest context.
    public var kvAttentionSQNR: Double?
    public var kvContext: Int
}

/// kv-study's measure of a KV cache's accuracy, on its seeded streams: per KV head, K and V
/// [context, head_dim] LLM-like values at unit scale (outlier channels included), and per query
/// head `queriesPerHead` query rows; grouped-query attention over the cache against the same over
/// the FP32 cache, SQNR over every output value.
public struct KVCacheAccuracy: Sendable {
    public var headDimension: Int
    public var heads = 4
    public var kvHeads = 2
    public var queriesPerHead = 4
    public var seed: UInt64 = 2025

    public init(headDimension: Int, seed: UInt64 = 2025) {
        self.headDimension = headDimension
        self.seed = seed
    }

    /// One KV head's K and V streams [tokens, head_dim] and its query heads' queries.
    public func streams(kvHead: Int, tokens: Int) throws -> (keys: Tensor, values: Tensor, queries: [Tensor]) {
        let d = headDimension
        let keys = try KVCacheAccuracy.unitScale(SyntheticTensor.llmLike(rows: tokens, columns: d, seed: seed &+ UInt64(3 * kvHead)))
        let values = try KVCacheAccuracy.unitScale(SyntheticTensor.llmLike(rows: tokens, columns: d, seed: seed &+ UInt64(3 * kvHead + 1)))
        let queryHeads = (0..<heads).filter { AttentionReference.kvHead(of: $0, heads: heads, kvHeads: kvHeads) == kvHead }
        let queries = try queryHeads.map { head in
            try KVCacheAccuracy.unitScale(SyntheticTensor.llmLike(rows: queriesPerHead, columns: d, seed: seed &+ 1000 &+ UInt64(head)))
        }
        return (keys, values, queries)
    }

    /// SQNR of attention over the cache `store` makes of each head's K and V (both [tokens, d],
    /// returned dequantized) at `context` tokens.
    public func attentionSQNR(context: Int, store: (Tensor, Tensor) throws -> (Tensor, Tensor)) throws -> Double? {
        var ratio = SignalToNoise()
        for kvHead in 0..<kvHeads {
            let (keys, values, queries) = try streams(kvHead: kvHead, tokens: context)
            let (cachedKeys, cachedValues) = try store(keys, values)
            for query in queries {
                let reference = try AttentionReference.attend(queries: query, keys: keys, values: values)
                let output = try AttentionReference.attend(queries: query, keys: cachedKeys, values: cachedValues)
                for (x, y) in zip(reference.values, output.values) { ratio.add(exact: Double(x), approximation: Double(y)) }
            }
        }
        return ratio.decibels
    }

    /// The architecture's cache: the two-stage engine's M-ANT K and windows (INT8 while open), or K
    /// in its `kv` format along the head dimension and V^T [head_dim, tokens] in its V format.
    public func attentionSQNR(of architecture: ArchitectureConfig, context: Int) throws -> Double? {
        try attentionSQNR(context: context) { keys, values in
            if let engine = architecture.kvEngine {
                var cache = try TwoStageKVCache(headDimension: headDimension, window: engine.window, keyGroup: engine.keyGroup,
                                                windowCapacity: engine.windowCapacity)
                let d = headDimension
                for token in 0..<keys.shape[0] {
                    try cache.append(key: Array(keys.values[(token * d)..<((token + 1) * d)]), value: Array(values.values[(token * d)..<((token + 1) * d)]))
                }
                return (try cache.dequantizedKeys(), try cache.dequantizedValues())
            }
            let keyFormat = try architecture.kvFormat.makeFormat(), valueFormat = try architecture.valueCacheFormat.makeFormat()
            let cachedKeys = try keyFormat.dequantize(try keyFormat.quantize(keys))
            let cachedValues = try valueFormat.dequantize(try valueFormat.quantize(try values.transposed())).transposed()
            return (cachedKeys, cachedValues)
        }
    }

    static func unitScale(_ tensor: Tensor) throws -> Tensor {
        try Tensor(shape: tensor.shape, values: tensor.values.map { $0 * 50 })
    }
}
