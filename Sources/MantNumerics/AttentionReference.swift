import Foundation

/// Scaled dot-product attention over a cache, in binary32: the arithmetic the KV-cache study
/// measures errors with.
///
/// For each query row q: s_t = (q . k_t) * fp32(1 / sqrt(d)) with the dot product summed in
/// ascending channel order; m = max s_t; e_t = fp32(exp(double(s_t - m))); Z = sum of e_t in token
/// order; o = sum over t of (e_t / Z) * v_t, accumulated in token order. No operation is fused.
public enum AttentionReference {
    /// `queries` [Q, d] against `keys` and `values` [T, d]; the result is [Q, d].
    public static func attend(queries: Tensor, keys: Tensor, values: Tensor) throws -> Tensor {
        guard queries.shape.count == 2, keys.shape.count == 2, values.shape == keys.shape, queries.shape[1] == keys.shape[1] else {
            throw QuantizationError.invalidShape("attention needs queries [Q, d] and keys, values [T, d]; got \(queries.shape), \(keys.shape), \(values.shape)")
        }
        let d = keys.shape[1], tokens = keys.shape[0]
        let scale = Float(1 / Double(d).squareRoot())
        var output = [Float](repeating: 0, count: queries.shape[0] * d)
        var scores = [Float](repeating: 0, count: tokens)
        for row in 0..<queries.shape[0] {
            let q = queries.values[(row * d)..<((row + 1) * d)]
            var largest = -Float.infinity
            for t in 0..<tokens {
                var dot: Float = 0
                for (channel, x) in zip(0..<d, q) { dot = dot + x * keys.values[t * d + channel] }
                scores[t] = dot * scale
                largest = max(largest, scores[t])
            }
            var sum: Float = 0
            for t in 0..<tokens {
                scores[t] = Float(exp(Double(scores[t] - largest)))
                sum = sum + scores[t]
            }
            for t in 0..<tokens {
                let p = scores[t] / sum
                for channel in 0..<d { output[row * d + channel] = output[row * d + channel] + p * values.values[t * d + channel] }
            }
        }
        return try Tensor(shape: [queries.shape[0], d], values: output)
    }

    /// The KV head that query head `head` reads under grouped-query attention.
    public static func kvHead(of head: Int, heads: Int, kvHeads: Int) -> Int {
        head / (heads / kvHeads)
    }
}
