import Dispatch
import Foundation
import MantNumerics

/// How a forward pass rounds its operands: an array's weight, activation and KV-cache formats
/// applied to a real model. Quantized operands are dequantized exactly (each value = its code's
/// value x its scale) and multiplied in FP32; only the summation order differs from an integer
/// array's, which `GemmReference` and the SystemC model define.
public struct ModelNumerics: Sendable {
    /// What the inputs of every linear layer go through.
    public enum Activations: Sendable, Equatable, CustomStringConvertible {
        case exact
        case fp16
        /// Symmetric integers with one FP16 scale per token, as the integer arrays read them.
        case integer(bits: Int)

        public var description: String {
            switch self {
            case .exact: return "FP32"
            case .fp16: return "FP16"
            case .integer(let bits): return "INT\(bits) per token"
            }
        }
    }

    /// How K and V (after RoPE, per KV head) are cached, token by token in generation order.
    public enum KVCache: Sendable {
        case exact
        case fp16
        /// K in `keys` with its groups along the head dimension (each token on its own); V read as
        /// V^T [head_dim, tokens] in `values` with its groups along tokens. A V group is quantized
        /// once its last token is in the cache; until then its tokens are held in FP16. A format
        /// whose groups span the whole token axis (per channel, per tensor, VQ codebooks) is
        /// quantized over the whole window at once.
        case formats(keys: any QuantizationFormat, values: any QuantizationFormat)
        /// K and V each token on its own, [tokens, head_dim] rows in `format` (groups along the
        /// head dimension): kv-study's per-token and one-stage schemes.
        case perToken(any QuantizationFormat)
        /// M-ANT's two-stage engine (`TwoStageKVCache`): K in M-ANT per token; V in an INT8 window
        /// of `window` tokens, requantized to M-ANT per channel when the window fills.
        case twoStage(window: Int, keyGroup: Int, windowCapacity: Int)
    }

    public var label: String
    /// nil: the weights as the checkpoint stores them.
    public var weights: (any QuantizationFormat)?
    /// Quantize the token embedding (and so a tied output head) with the weights too.
    public var quantizeEmbedding = false
    public var activations: Activations = .exact
    public var kvCache: KVCache = .exact

    public init(label: String, weights: (any QuantizationFormat)? = nil, quantizeEmbedding: Bool = false,
                activations: Activations = .exact, kvCache: KVCache = .exact) {
        self.label = label
        self.weights = weights
        self.quantizeEmbedding = quantizeEmbedding
        self.activations = activations
        self.kvCache = kvCache
    }

    /// Bumped whenever the arithmetic here changes, so that cached perplexities of an older
    /// MantSim are not taken for this one's.
    public static let version = 1

    /// Everything that decides this evaluation's numbers, as stable text (a cache key's part).
    public var settings: String {
        func json(_ format: any QuantizationFormat) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return (try? encoder.encode(format.descriptor)).map { String(decoding: $0, as: UTF8.self) } ?? format.name
        }
        let kv: String
        switch kvCache {
        case .exact: kv = "exact"
        case .fp16: kv = "fp16"
        case .formats(let keys, let values): kv = "keys \(json(keys)) values \(json(values))"
        case .perToken(let format): kv = "per token \(json(format))"
        case .twoStage(let window, let keyGroup, let capacity): kv = "two-stage window \(window) key-group \(keyGroup) capacity \(capacity)"
        }
        return "numerics v\(ModelNumerics.version); weights \(weights.map(json) ?? "stored"); embedding \(quantizeEmbedding ? "quantized" : "stored"); "
            + "activations \(activations); kv \(kv)"
    }

    /// The checkpoint's own numbers in FP32.
    public static let fp32 = ModelNumerics(label: "fp32")

    var isExact: Bool {
        if weights != nil || activations != .exact { return false }
        if case .exact = kvCache { return true }
        return false
    }

    // MARK: Applying them

    /// A weight [rows, columns] as the array stores it, dequantized.
    func quantizedWeight(_ values: [Float], rows: Int, columns: Int, name: String) throws -> [Float] {
        guard let format = weights else { return values }
        do {
            return try format.dequantize(try format.quantize(try Tensor(shape: [rows, columns], values: values))).values
        } catch {
            throw ModelNumericsError("\(label): weight '\(name)' [\(rows), \(columns)] in \(format.name): \(error)")
        }
    }

    /// Rounds the rows of x [rows, width] in place as the array reads a linear layer's input.
    func roundActivations(_ x: inout [Float], rows: Int, width: Int) throws {
        switch activations {
        case .exact:
            return
        case .fp16:
            ModelNumerics.roundToHalf(&x)
        case .integer(let bits):
            let quantizer = try ActivationQuantizer(bits: bits)
            let result = try quantizer.quantize(try Tensor(shape: [rows, width], values: x))
            let scales = result.scales
            for row in 0..<rows {
                for column in 0..<width { x[row * width + column] = Float(result.integers[row * width + column]) * scales[row] }
            }
        }
    }

    /// Rounds to the nearest FP16 value, ties to even, as `MiniFloat.fp16` does (the hardware's
    /// conversion; `HalfRoundingTests` holds the two to the same bits).
    static func roundToHalf(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { x in
            let chunk = 1 << 14
            DispatchQueue.concurrentPerform(iterations: (x.count + chunk - 1) / chunk) { part in
                for index in (part * chunk)..<min(x.count, (part + 1) * chunk) { x[index] = Float(Float16(x[index])) }
            }
        }
    }

    /// One KV head's cache over a window: what query t reads for token j is `closed` once
    /// t >= closedAt[j], `open` before.
    struct CachedHead {
        var keys: [Float]
        var values: [Float]
        var openValues: [Float]?
        var closedAt: [Int]
    }

    /// Caches K and V [tokens, d] of one KV head.
    func cache(keys: [Float], values: [Float], tokens: Int, dimension d: Int) throws -> CachedHead {
        let immediately = Array(0..<tokens)
        switch kvCache {
        case .exact:
            return CachedHead(keys: keys, values: values, openValues: nil, closedAt: immediately)
        case .fp16:
            var (halfKeys, halfValues) = (keys, values)
            ModelNumerics.roundToHalf(&halfKeys)
            ModelNumerics.roundToHalf(&halfValues)
            return CachedHead(keys: halfKeys, values: halfValues, openValues: nil, closedAt: immediately)
        case .formats(let keyFormat, let valueFormat):
            let cachedKeys = try keyFormat.dequantize(try keyFormat.quantize(try Tensor(shape: [tokens, d], values: keys))).values
            let transposed = try Tensor(shape: [tokens, d], values: values).transposed()
            let cachedValues = try valueFormat.dequantize(try valueFormat.quantize(transposed)).transposed().values
            guard case .group(let size) = valueFormat.descriptor.granularity, valueFormat.descriptor.vq == nil else {
                return CachedHead(keys: cachedKeys, values: cachedValues, openValues: nil, closedAt: immediately)
            }
            var open = values
            ModelNumerics.roundToHalf(&open)
            let closedAt = (0..<tokens).map { j in ((j / size) + 1) * size - 1 < tokens ? ((j / size) + 1) * size - 1 : Int.max }
            return CachedHead(keys: cachedKeys, values: cachedValues, openValues: open, closedAt: closedAt)
        case .perToken(let format):
            func roundTrip(_ x: [Float]) throws -> [Float] {
                try format.dequantize(try format.quantize(try Tensor(shape: [tokens, d], values: x))).values
            }
            return CachedHead(keys: try roundTrip(keys), values: try roundTrip(values), openValues: nil, closedAt: immediately)
        case .twoStage(let window, let keyGroup, let capacity):
            var engine = try TwoStageKVCache(headDimension: d, window: window, keyGroup: keyGroup, windowCapacity: capacity)
            for token in 0..<tokens {
                try engine.append(key: Array(keys[(token * d)..<((token + 1) * d)]), value: Array(values[(token * d)..<((token + 1) * d)]))
            }
            // Stage one alone: each V vector in INT8 with its FP16 scale, as it sits in the open window.
            var open = values
            try ModelNumerics(label: label, activations: .integer(bits: 8)).roundActivations(&open, rows: tokens, width: d)
            let closedAt = (0..<tokens).map { j in ((j / window) + 1) * window - 1 < tokens ? ((j / window) + 1) * window - 1 : Int.max }
            return CachedHead(keys: try engine.dequantizedKeys().values, values: try engine.dequantizedValues().values, openValues: open, closedAt: closedAt)
        }
    }
}

public struct ModelNumericsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
