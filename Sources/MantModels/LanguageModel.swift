import COpenBLAS
import Dispatch
import Foundation

/// A LLaMA-family decoder in FP32: RMSNorm, rotary position embeddings, grouped-query attention
/// with a causal mask, a SwiGLU feed-forward network, and a tied or separate output head. The
/// matrix products run in OpenBLAS's `cblas_sgemm` (on every core); the rest is plain Swift,
/// split over the cores by rows.
public final class LanguageModel: @unchecked Sendable {
    struct Layer {
        var attentionNorm, query, key, value, attentionOutput, ffnNorm, gate, up, down: [Float]
        var queryBias, keyBias, valueBias: [Float]?
    }

    public let config: LanguageModelConfig
    /// How operands are rounded: FP32 as stored, or an array's formats.
    public let numerics: ModelNumerics
    let embedding: [Float]
    let finalNorm: [Float]
    /// nil when the output head is the embedding.
    let output: [Float]?
    var layers: [Layer]

    /// Loads every weight, checking each shape against the config, and quantizes the linear
    /// weights (and the embedding when asked) as `numerics` says. `progress` is told of layers read.
    public init(checkpoint: Checkpoint, numerics: ModelNumerics = .fp32, progress: ((Int, Int) -> Void)? = nil) throws {
        config = checkpoint.config
        self.numerics = numerics
        let shape = checkpoint.config.shape
        func linear(_ role: WeightRole, layer: Int = 0) throws -> [Float] {
            let dimensions = role.shape(checkpoint.config)
            return try numerics.quantizedWeight(try checkpoint.weight(role, layer: layer), rows: dimensions[0], columns: dimensions[1],
                                                name: checkpoint.name(role, layer: layer))
        }
        embedding = numerics.quantizeEmbedding ? try linear(.embedding) : try checkpoint.weight(.embedding)
        finalNorm = try checkpoint.weight(.finalNorm)
        output = shape.tiedEmbeddings && !checkpoint.contains(.output) ? nil : try linear(.output)
        var layers = [Layer]()
        for index in 0..<config.shape.layers {
            func weight(_ role: WeightRole) throws -> [Float] {
                switch role {
                case .query, .key, .value, .attentionOutput, .gate, .up, .down: return try linear(role, layer: index)
                default: return try checkpoint.weight(role, layer: index)
                }
            }
            var layer = Layer(attentionNorm: try weight(.attentionNorm), query: try weight(.query), key: try weight(.key), value: try weight(.value),
                              attentionOutput: try weight(.attentionOutput), ffnNorm: try weight(.ffnNorm), gate: try weight(.gate),
                              up: try weight(.up), down: try weight(.down))
            if config.attentionBiases {
                (layer.queryBias, layer.keyBias, layer.valueBias) = (try weight(.queryBias), try weight(.keyBias), try weight(.valueBias))
            }
            layers.append(layer)
            progress?(index + 1, config.shape.layers)
        }
        self.layers = layers
    }

    var hidden: Int { config.shape.hiddenSize }
    var vocabulary: Int { config.shape.vocabularySize }

    /// The final hidden states (after the last RMSNorm) of a window of tokens at positions 0..<T.
    func hiddenStates(_ tokens: [Int]) throws -> [Float] {
        let t = tokens.count, h = hidden, kv = config.kvWidth, ffn = config.shape.intermediateSize
        var x = [Float](repeating: 0, count: t * h)
        for (row, token) in tokens.enumerated() {
            for column in 0..<h { x[row * h + column] = embedding[token * h + column] }
        }
        let rope = RotaryTable(positions: t, dimension: config.headDimension, base: config.ropeBase)
        var normed = [Float](repeating: 0, count: t * h)
        var q = [Float](repeating: 0, count: t * h), k = [Float](repeating: 0, count: t * kv), v = [Float](repeating: 0, count: t * kv)
        var attention = [Float](repeating: 0, count: t * h)
        var gate = [Float](repeating: 0, count: t * ffn), up = [Float](repeating: 0, count: t * ffn)
        for layer in layers {
            rmsNorm(x, weight: layer.attentionNorm, into: &normed, rows: t)
            try numerics.roundActivations(&normed, rows: t, width: h)
            linear(normed, layer.query, bias: layer.queryBias, into: &q, rows: t, inputs: h, outputs: h)
            linear(normed, layer.key, bias: layer.keyBias, into: &k, rows: t, inputs: h, outputs: kv)
            linear(normed, layer.value, bias: layer.valueBias, into: &v, rows: t, inputs: h, outputs: kv)
            rope.apply(&q, rows: t, heads: config.shape.heads, layout: config.ropeLayout)
            rope.apply(&k, rows: t, heads: config.shape.kvHeads, layout: config.ropeLayout)
            try causalAttention(q: q, k: k, v: v, into: &attention, rows: t)
            try numerics.roundActivations(&attention, rows: t, width: h)
            linear(attention, layer.attentionOutput, bias: nil, into: &normed, rows: t, inputs: h, outputs: h)
            add(normed, to: &x)
            rmsNorm(x, weight: layer.ffnNorm, into: &normed, rows: t)
            try numerics.roundActivations(&normed, rows: t, width: h)
            linear(normed, layer.gate, bias: nil, into: &gate, rows: t, inputs: h, outputs: ffn)
            linear(normed, layer.up, bias: nil, into: &up, rows: t, inputs: h, outputs: ffn)
            swiGLU(gate: gate, into: &up)
            try numerics.roundActivations(&up, rows: t, width: ffn)
            linear(up, layer.down, bias: nil, into: &normed, rows: t, inputs: ffn, outputs: h)
            add(normed, to: &x)
        }
        rmsNorm(x, weight: finalNorm, into: &normed, rows: t)
        try numerics.roundActivations(&normed, rows: t, width: h)
        return normed
    }

    /// Logits of every position of a window, [T, vocabulary] row-major.
    public func logits(_ tokens: [Int]) throws -> [Float] {
        let states = try hiddenStates(tokens)
        var logits = [Float](repeating: 0, count: tokens.count * vocabulary)
        linear(states, output ?? embedding, bias: nil, into: &logits, rows: tokens.count, inputs: hidden, outputs: vocabulary)
        return logits
    }

    /// Negative log-likelihood of each next token in a window: T - 1 values, the log-softmax in
    /// FP64. Logits are made 64 rows at a time so a long window never holds [T, vocabulary].
    public func negativeLogLikelihoods(_ tokens: [Int]) throws -> [Double] {
        guard tokens.count > 1 else { return [] }
        let states = try hiddenStates(tokens)
        let predictions = tokens.count - 1, h = hidden, n = vocabulary
        var result = [Double](repeating: 0, count: predictions)
        let block = 64
        var logits = [Float](repeating: 0, count: block * n)
        var start = 0
        while start < predictions {
            let rows = min(block, predictions - start)
            states.withUnsafeBufferPointer { states in
                linear(UnsafeBufferPointer(rebasing: states[(start * h)...]), output ?? embedding, bias: nil, into: &logits, rows: rows, inputs: h, outputs: n)
            }
            logits.withUnsafeBufferPointer { logits in
                result.withUnsafeMutableBufferPointer { result in
                    DispatchQueue.concurrentPerform(iterations: rows) { row in
                        let values = UnsafeBufferPointer(rebasing: logits[(row * n)..<((row + 1) * n)])
                        result[start + row] = LanguageModel.negativeLogSoftmax(values, target: tokens[start + row + 1])
                    }
                }
            }
            start += rows
        }
        return result
    }

    /// -log softmax(values)[target], in FP64.
    static func negativeLogSoftmax(_ values: UnsafeBufferPointer<Float>, target: Int) -> Double {
        var maximum = -Double.infinity
        for value in values { maximum = max(maximum, Double(value)) }
        var sum = 0.0
        for value in values { sum += Foundation.exp(Double(value) - maximum) }
        return Foundation.log(sum) - (Double(values[target]) - maximum)
    }

    /// One `cblas_sgemm` the forward pass issues: C[m, n] = A[m, k] · B (Bᵀ when `transposedB`).
    public struct MatrixProduct: Equatable, Sendable {
        public let m: Int, n: Int, k: Int
        public let transposedB: Bool
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// Every matrix product `negativeLogLikelihoods` runs on a window of `tokens` tokens, in order:
    /// per layer the Q, K, V projections, two per query head (scores, then probabilities times
    /// V), the output projection and the three FFN products; then the output head 64 rows at a time.
    public func matrixProducts(tokens t: Int) -> [MatrixProduct] {
        let h = hidden, kv = config.kvWidth, ffn = config.shape.intermediateSize, d = config.headDimension
        var products = [MatrixProduct]()
        for _ in 0..<config.shape.layers {
            products += [.init(m: t, n: h, k: h, transposedB: true), .init(m: t, n: kv, k: h, transposedB: true), .init(m: t, n: kv, k: h, transposedB: true)]
            for _ in 0..<config.shape.heads { products += [.init(m: t, n: t, k: d, transposedB: true), .init(m: t, n: d, k: t, transposedB: false)] }
            products += [.init(m: t, n: h, k: h, transposedB: true), .init(m: t, n: ffn, k: h, transposedB: true),
                         .init(m: t, n: ffn, k: h, transposedB: true), .init(m: t, n: h, k: ffn, transposedB: true)]
        }
        for start in stride(from: 0, to: t - 1, by: 64) { products.append(.init(m: min(64, t - 1 - start), n: vocabulary, k: h, transposedB: true)) }
        return products
    }

    /// Runs the given products through `cblas_sgemm` on scratch buffers: what the forward pass's
    /// matrix products cost with nothing else around them.
    public static func runMatrixProducts(_ products: [MatrixProduct]) {
        let largest = products.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max() ?? 0
        let a = [Float](repeating: 0.01, count: largest), b = [Float](repeating: 0.02, count: largest)
        var c = [Float](repeating: 0, count: largest)
        for p in products {
            c.withUnsafeMutableBufferPointer { c in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, p.transposedB ? CblasTrans : CblasNoTrans, Int32(p.m), Int32(p.n), Int32(p.k),
                            1, a, Int32(p.k), b, Int32(p.transposedB ? p.k : p.n), 0, c.baseAddress, Int32(p.n))
            }
        }
    }

    // MARK: Layers

    /// y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ (+ bias).
    func linear(_ x: [Float], _ weight: [Float], bias: [Float]?, into y: inout [Float], rows: Int, inputs: Int, outputs: Int) {
        x.withUnsafeBufferPointer { linear($0, weight, bias: bias, into: &y, rows: rows, inputs: inputs, outputs: outputs) }
    }

    func linear(_ x: UnsafeBufferPointer<Float>, _ weight: [Float], bias: [Float]?, into y: inout [Float], rows: Int, inputs: Int, outputs: Int) {
        weight.withUnsafeBufferPointer { w in
            y.withUnsafeMutableBufferPointer { y in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
                            1, x.baseAddress, Int32(inputs), w.baseAddress, Int32(inputs), 0, y.baseAddress, Int32(outputs))
                if let bias {
                    for row in 0..<rows { for column in 0..<outputs { y[row * outputs + column] += bias[column] } }
                }
            }
        }
    }

    /// x · w / sqrt(mean(x²) + ε) per row, the mean in FP64.
    func rmsNorm(_ x: [Float], weight: [Float], into y: inout [Float], rows: Int) {
        let h = hidden, epsilon = Double(config.rmsNormEpsilon)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                DispatchQueue.concurrentPerform(iterations: rows) { row in
                    var squares = 0.0
                    for column in 0..<h { let value = Double(x[row * h + column]); squares += value * value }
                    let scale = Float(1 / (squares / Double(h) + epsilon).squareRoot())
                    for column in 0..<h { y[row * h + column] = x[row * h + column] * scale * weight[column] }
                }
            }
        }
    }

    func add(_ delta: [Float], to x: inout [Float]) {
        for index in x.indices { x[index] += delta[index] }
    }

    /// up ← silu(gate) · up.
    func swiGLU(gate: [Float], into up: inout [Float]) {
        gate.withUnsafeBufferPointer { gate in
            up.withUnsafeMutableBufferPointer { up in
                let chunk = 4096
                DispatchQueue.concurrentPerform(iterations: (up.count + chunk - 1) / chunk) { part in
                    for index in (part * chunk)..<min(up.count, (part + 1) * chunk) {
                        let g = gate[index]
                        up[index] *= g / (1 + Foundation.exp(-g))
                    }
                }
            }
        }
    }
}

extension LanguageModel {
    /// Softmax(q kᵀ / sqrt(d), causal) v for every query head, each sharing the KV head of its
    /// group, over the KV cache as `numerics` stores it (FP32 as computed by default): each KV
    /// head's K and V go through the cache token by token; query t reads token j's final (closed)
    /// value once its group or window is closed at t, its open value before. Scores, softmax and
    /// sums in FP32.
    func causalAttention(q: [Float], k: [Float], v: [Float], into output: inout [Float], rows t: Int) throws {
        let heads = config.shape.heads, kvHeads = config.shape.kvHeads, d = config.headDimension, kvWidth = config.kvWidth, width = hidden
        let group = heads / kvHeads
        let scale = Float(1 / Double(d).squareRoot())
        var scores = [Float](repeating: 0, count: t * t)
        var openProbabilities = [Float](repeating: 0, count: t * t)
        for kvHead in 0..<kvHeads {
            var keys = [Float](repeating: 0, count: t * d), values = [Float](repeating: 0, count: t * d)
            for row in 0..<t {
                for i in 0..<d { keys[row * d + i] = k[row * kvWidth + kvHead * d + i]; values[row * d + i] = v[row * kvWidth + kvHead * d + i] }
            }
            let cached = try numerics.cache(keys: keys, values: values, tokens: t, dimension: d)
            for head in (kvHead * group)..<((kvHead + 1) * group) {
                q.withUnsafeBufferPointer { q in
                    cached.keys.withUnsafeBufferPointer { keys in
                        scores.withUnsafeMutableBufferPointer { s in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(t), Int32(d), scale,
                                        q.baseAddress! + head * d, Int32(width), keys.baseAddress, Int32(d), 0, s.baseAddress, Int32(t))
                        }
                    }
                }
                let split = cached.openValues != nil
                scores.withUnsafeMutableBufferPointer { s in
                    openProbabilities.withUnsafeMutableBufferPointer { open in
                        DispatchQueue.concurrentPerform(iterations: t) { row in
                            let line = s.baseAddress! + row * t, openLine = open.baseAddress! + row * t
                            var maximum = -Float.infinity
                            for column in 0...row { maximum = max(maximum, line[column]) }
                            var sum: Float = 0
                            for column in 0...row { let e = Foundation.exp(line[column] - maximum); line[column] = e; sum += e }
                            let inverse = 1 / sum
                            for column in 0..<t {
                                let p = column <= row ? line[column] * inverse : 0
                                // Split by what token `column` holds when query `row` reads it.
                                let closed = !split || row >= cached.closedAt[column]
                                line[column] = closed ? p : 0
                                openLine[column] = closed ? 0 : p
                            }
                        }
                    }
                }
                output.withUnsafeMutableBufferPointer { o in
                    scores.withUnsafeBufferPointer { s in
                        cached.values.withUnsafeBufferPointer { values in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(d), Int32(t), 1,
                                        s.baseAddress, Int32(t), values.baseAddress, Int32(d), 0, o.baseAddress! + head * d, Int32(width))
                        }
                    }
                    if let openValues = cached.openValues {
                        openProbabilities.withUnsafeBufferPointer { p in
                            openValues.withUnsafeBufferPointer { values in
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(d), Int32(t), 1,
                                            p.baseAddress, Int32(t), values.baseAddress, Int32(d), 1, o.baseAddress! + head * d, Int32(width))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// cos and sin of position · base^(−2i/d), computed in FP64 and rounded once.
struct RotaryTable {
    let cosines: [Float]
    let sines: [Float]
    let half: Int

    init(positions: Int, dimension: Int, base: Double) {
        half = dimension / 2
        var cosines = [Float](), sines = [Float]()
        cosines.reserveCapacity(positions * half)
        sines.reserveCapacity(positions * half)
        for position in 0..<positions {
            for pair in 0..<half {
                let angle = Double(position) * Foundation.pow(base, -2 * Double(pair) / Double(dimension))
                cosines.append(Float(Foundation.cos(angle)))
                sines.append(Float(Foundation.sin(angle)))
            }
        }
        self.cosines = cosines
        self.sines = sines
    }

    /// Rotates every head of every row of x ([rows, heads · d]) in place.
    func apply(_ x: inout [Float], rows: Int, heads: Int, layout: RoPELayout) {
        let d = 2 * half
        for row in 0..<rows {
            for head in 0..<heads {
                let base = row * heads * d + head * d
                for pair in 0..<half {
                    let (first, second) = layout == .adjacentPairs ? (base + 2 * pair, base + 2 * pair + 1) : (base + pair, base + pair + half)
                    let c = cosines[row * half + pair], s = sines[row * half + pair]
                    let a = x[first], b = x[second]
                    x[first] = a * c - b * s
                    x[second] = a * s + b * c
                }
            }
        }
    }
}
