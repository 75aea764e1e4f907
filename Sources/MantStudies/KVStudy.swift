import Foundation
import MantModels
import MantNumerics
import MantSimulation

/// How much attention output error each KV-cache scheme costs, on seeded token streams with
/// outlier channels: the accuracy side of the two-stage KV engine.
///
/// Per KV head, K and V streams [tokens, head_dim] are seeded LLM-like values scaled to unit size
/// (Gaussian body, heavy tails, 1 in 256 channels and at least one an outlier at 8x); each query
/// head reads its KV head under grouped-query attention. The cache is quantized by each scheme and
/// dequantized; queries and probabilities stay FP32 (`AttentionReference`), so the error is the
/// cache's alone. Error is measured against the FP32 cache as SQNR over every output value.
public enum KVStudy {
    public enum Scheme: String, CaseIterable, Sendable, Codable {
        case fp16
        case int8Token = "int8-token"
        case int4Token = "int4-token"
        case mantOneStage = "mant4-one-stage"
        case mantTwoStage = "mant4-two-stage"

        public var summary: String {
            switch self {
            case .fp16: return "K and V rounded to FP16"
            case .int8Token: return "K and V: INT8, one FP16 scale per token"
            case .int4Token: return "K and V: INT4, one FP16 scale per token"
            case .mantOneStage: return "K and V: 4-bit M-ANT per token, groups of 64 channels"
            case .mantTwoStage: return "K: M-ANT per token; V: INT8 window, then M-ANT per channel over 64 tokens"
            }
        }
    }

    /// The scheme as the forward pass of a real model caches K and V.
    public static func kvCache(_ scheme: Scheme, window: Int) throws -> ModelNumerics.KVCache {
        switch scheme {
        case .fp16: return .fp16
        case .int8Token: return .perToken(try IntegerFormat(bits: 8, granularity: .channel))
        case .int4Token: return .perToken(try IntegerFormat(bits: 4, granularity: .channel))
        case .mantOneStage: return .perToken(try MANTFormat(bits: 4, granularity: .group(64)))
        case .mantTwoStage: return .twoStage(window: window, keyGroup: 64, windowCapacity: 64)
        }
    }

    public struct Row: Sendable, Codable, Equatable {
        public var scheme: Scheme
        public var context: Int
        /// Signal-to-error ratio of the attention output in dB; nil when the output is exact.
        public var sqnrDecibels: Double?
        /// The same with FP32 keys: the error of the V cache alone.
        public var valueOnlySqnrDecibels: Double?
        /// Stored bits per cached value, codes and metadata, K and V together.
        public var bitsPerValue: Double
        /// A real model's perplexity with this cache (weights and activations FP32), and the FP32
        /// model's, when one was evaluated.
        public var perplexity: Double? = nil
        public var perplexityFP32: Double? = nil
    }

    public struct Setup: Sendable {
        public var contexts: [Int] = [64, 256, 1024, 4096]
        public var headDimension = 128
        public var heads = 4
        public var kvHeads = 2
        public var queriesPerHead = 4
        public var window = 64
        public var seed: UInt64 = 2025

        public init() {}

        /// The seeded streams and heads, as `run` and `compare` measure an architecture's cache.
        var measure: KVCacheAccuracy {
            var measure = KVCacheAccuracy(headDimension: headDimension, seed: seed)
            (measure.heads, measure.kvHeads, measure.queriesPerHead) = (heads, kvHeads, queriesPerHead)
            return measure
        }

        func validate() throws {
            var problems = [String]()
            if contexts.isEmpty || contexts.contains(where: { $0 < 1 }) { problems.append("contexts: each must be at least 1 token, got \(contexts)") }
            if headDimension < 1 || headDimension % 64 != 0 { problems.append("head dimension: must be a positive multiple of the K group 64, got \(headDimension)") }
            if heads < 1 || kvHeads < 1 || heads % kvHeads != 0 { problems.append("heads: \(heads) query heads must be a multiple of \(kvHeads) KV heads") }
            if queriesPerHead < 1 { problems.append("queries: at least 1 per head") }
            if window < 1 || window > 64 { problems.append("window: 1...64 tokens (the window buffer holds 64), got \(window)") }
            if !problems.isEmpty { throw WorkloadError(problems: problems) }
        }
    }

    /// Rows by scheme, then context; `progress` is called per KV head done.
    public static func run(_ setup: Setup, progress: ((Int, Int) -> Void)? = nil) throws -> [Row] {
        try setup.validate()
        let d = setup.headDimension, longest = setup.contexts.max()!
        var signal = [Int: Double](), noise = [Scheme: [Int: Double]](), valueNoise = [Scheme: [Int: Double]]()
        var bits = [Scheme: [Int: Double]]()
        for kvHead in 0..<setup.kvHeads {
            let (keys, values, queries) = try setup.measure.streams(kvHead: kvHead, tokens: longest)
            var engine = try TwoStageKVCache(headDimension: d, window: setup.window)
            var appended = 0
            for context in setup.contexts.sorted() {
                let k = try prefix(keys, context), v = try prefix(values, context)
                while appended < context {
                    try engine.append(key: Array(keys.values[(appended * d)..<((appended + 1) * d)]),
                                      value: Array(values.values[(appended * d)..<((appended + 1) * d)]))
                    appended += 1
                }
                let references = try queries.map { try AttentionReference.attend(queries: $0, keys: k, values: v) }
                for reference in references { signal[context, default: 0] += reference.values.reduce(0) { $0 + Double($1) * Double($1) } }
                for scheme in Scheme.allCases {
                    let (cachedKeys, cachedValues, schemeBits) = try cache(scheme, keys: k, values: v, engine: engine)
                    bits[scheme, default: [:]][context] = schemeBits
                    for (query, reference) in zip(queries, references) {
                        let output = try AttentionReference.attend(queries: query, keys: cachedKeys, values: cachedValues)
                        noise[scheme, default: [:]][context, default: 0] += squaredError(output, reference)
                        let valueOnly = try AttentionReference.attend(queries: query, keys: k, values: cachedValues)
                        valueNoise[scheme, default: [:]][context, default: 0] += squaredError(valueOnly, reference)
                    }
                }
            }
            progress?(kvHead + 1, setup.kvHeads)
        }
        return Scheme.allCases.flatMap { scheme in
            setup.contexts.map { context in
                func decibels(_ error: Double) -> Double? { SignalToNoise.decibels(signal: signal[context]!, noise: error) }
                return Row(scheme: scheme, context: context, sqnrDecibels: decibels(noise[scheme]![context]!),
                           valueOnlySqnrDecibels: decibels(valueNoise[scheme]![context]!), bitsPerValue: bits[scheme]![context]!)
            }
        }
    }

    /// K and V as a scheme caches them, and its stored bits per value.
    static func cache(_ scheme: Scheme, keys: Tensor, values: Tensor, engine: TwoStageKVCache) throws -> (Tensor, Tensor, Double) {
        let d = Double(keys.shape[1])
        switch scheme {
        case .fp16:
            func round(_ tensor: Tensor) throws -> Tensor {
                try Tensor(shape: tensor.shape, values: tensor.values.map { MiniFloat.fp16.decode(MiniFloat.fp16.encode($0)) })
            }
            return (try round(keys), try round(values), 16)
        case .int8Token, .int4Token:
            let quantizer = try ActivationQuantizer(bits: scheme == .int8Token ? 8 : 4)
            func roundTrip(_ tensor: Tensor) throws -> Tensor {
                let result = try quantizer.quantize(tensor)
                let width = tensor.shape[1]
                return try Tensor(shape: tensor.shape, values: result.integers.enumerated().map { index, integer in
                    Float(integer) * MiniFloat.fp16.decode(result.scaleCodes[index / width])
                })
            }
            return (try roundTrip(keys), try roundTrip(values), Double(quantizer.format.bits) + 16 / d)
        case .mantOneStage:
            let format = try MANTFormat(bits: 4, granularity: .group(64))
            let k = try format.quantize(keys), v = try format.quantize(values)
            return (try format.dequantize(k), try format.dequantize(v), k.bitsPerWeight)
        case .mantTwoStage:
            let keyBits = try engine.keys().bitsPerWeight
            let closed = try engine.closedValues()
            let closedBits = closed.map { Double($0.codes.bitCount + $0.metadata.reduce(0) { $0 + $1.bitCount }) } ?? 0
            let openBits = Double(engine.openTokens) * (8 * d + 16)
            let valueBits = (closedBits + openBits) / (Double(engine.tokens) * d)
            return (try engine.dequantizedKeys(), try engine.dequantizedValues(), (keyBits + valueBits) / 2)
        }
    }

    static func squaredError(_ output: Tensor, _ reference: Tensor) -> Double {
        zip(output.values, reference.values).reduce(0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
    }

    static func prefix(_ tensor: Tensor, _ rows: Int) throws -> Tensor {
        try Tensor(shape: [rows, tensor.shape[1]], values: Array(tensor.values[0..<(rows * tensor.shape[1])]))
    }
}
