import Foundation
import MantNumerics
import MantTensorIO

/// A tiny random LLaMA written as a Hugging Face directory and as a GGUF file, and a scalar
/// FP64 forward pass over its weights to check the model against.
struct TinyLlama {
    var hidden = 32, heads = 4, kvHeads = 2, ffn = 48, layers = 2, vocabulary = 300
    var epsilon = 1e-5, ropeBase = 10000.0
    var tied = false
    /// Qwen2's Q, K and V biases.
    var biases = false
    var weights = [String: Tensor]()

    var headDimension: Int { hidden / heads }

    init(seed: UInt64 = 5, tied: Bool = false, biases: Bool = false) throws {
        self.tied = tied
        self.biases = biases
        var generator = SeededGenerator(seed: seed)
        func matrix(_ rows: Int, _ columns: Int) throws -> Tensor {
            try Tensor(shape: [rows, columns], values: (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &generator) / Float(columns).squareRoot() * 1.7 })
        }
        func norm() throws -> Tensor { try Tensor(shape: [hidden], values: (0..<hidden).map { _ in 1 + Float.random(in: -0.2...0.2, using: &generator) }) }
        weights["model.embed_tokens.weight"] = try matrix(vocabulary, hidden)
        weights["model.norm.weight"] = try norm()
        if !tied { weights["lm_head.weight"] = try matrix(vocabulary, hidden) }
        let kv = kvHeads * headDimension
        for layer in 0..<layers {
            let p = "model.layers.\(layer)."
            weights[p + "input_layernorm.weight"] = try norm()
            weights[p + "post_attention_layernorm.weight"] = try norm()
            weights[p + "self_attn.q_proj.weight"] = try matrix(hidden, hidden)
            weights[p + "self_attn.k_proj.weight"] = try matrix(kv, hidden)
            weights[p + "self_attn.v_proj.weight"] = try matrix(kv, hidden)
            weights[p + "self_attn.o_proj.weight"] = try matrix(hidden, hidden)
            weights[p + "mlp.gate_proj.weight"] = try matrix(ffn, hidden)
            weights[p + "mlp.up_proj.weight"] = try matrix(ffn, hidden)
            weights[p + "mlp.down_proj.weight"] = try matrix(hidden, ffn)
            if biases {
                for (name, size) in [("q_proj", hidden), ("k_proj", kv), ("v_proj", kv)] {
                    weights[p + "self_attn.\(name).bias"] = try Tensor(shape: [size], values: (0..<size).map { _ in Float.random(in: -0.5...0.5, using: &generator) })
                }
            }
        }
    }

    var configJSON: [String: Any] {
        ["model_type": biases ? "qwen2" : "llama", "hidden_size": hidden, "intermediate_size": ffn, "num_attention_heads": heads, "num_key_value_heads": kvHeads,
         "num_hidden_layers": layers, "vocab_size": vocabulary, "max_position_embeddings": 128, "rms_norm_eps": epsilon,
         "rope_theta": ropeBase, "tie_word_embeddings": tied]
    }

    func writeHuggingFace(to folder: String, config: [String: Any]? = nil) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config ?? configJSON, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/config.json"))
        try SafetensorsFile.write(weights.keys.sorted().map { ($0, weights[$0]!) }, to: folder + "/model.safetensors")
    }

    /// Rows of a Q or K projection reordered from Hugging Face's RoPE layout (i, i + d/2) to
    /// GGUF's (2i, 2i + 1), as llama.cpp's converter does.
    func permuted(_ tensor: Tensor, heads: Int) throws -> Tensor {
        let d = headDimension, columns = tensor.columns
        var values = [Float](repeating: 0, count: tensor.count)
        for head in 0..<heads {
            for i in 0..<(d / 2) {
                for j in 0..<2 {
                    let from = head * d + j * d / 2 + i, to = head * d + 2 * i + j
                    for c in 0..<columns { values[to * columns + c] = tensor.values[from * columns + c] }
                }
            }
        }
        return try Tensor(shape: tensor.shape, values: values)
    }

    func writeGGUF(to path: String) throws {
        var tensors = [GGUFFile.TensorToWrite]()
        let names = ["model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"]
        let parts = ["input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                     "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm", "mlp.gate_proj": "ffn_gate",
                     "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"]
        for name in weights.keys.sorted() {
            var tensor = weights[name]!
            if let short = names[name] { tensors.append(.init(name: short, tensor: tensor)); continue }
            let fields = name.split(separator: ".")
            let part = fields[3..<(fields.count - 1)].joined(separator: ".")
            if part == "self_attn.q_proj" { tensor = try permuted(tensor, heads: heads) }
            if part == "self_attn.k_proj" { tensor = try permuted(tensor, heads: kvHeads) }
            tensors.append(.init(name: "blk.\(fields[2]).\(parts[part]!).weight", tensor: tensor))
        }
        let vocabulary = (0..<self.vocabulary).map { "t\($0)" }
        try GGUFFile.write(metadata: [
            "general.architecture": .string("llama"), "general.name": .string("tiny"), "llama.context_length": .int(128),
            "llama.embedding_length": .int(Int64(hidden)), "llama.feed_forward_length": .int(Int64(ffn)), "llama.block_count": .int(Int64(layers)),
            "llama.attention.head_count": .int(Int64(heads)), "llama.attention.head_count_kv": .int(Int64(kvHeads)),
            "llama.attention.layer_norm_rms_epsilon": .float(epsilon), "llama.rope.freq_base": .float(ropeBase),
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.tokens": .array(vocabulary.map { .string($0) }),
            "tokenizer.ggml.merges": .array([]),
        ], tensors: tensors, to: path)
    }

    // MARK: A scalar forward pass in FP64, written from the LLaMA equations

    func referenceLogits(_ tokens: [Int]) -> [[Double]] {
        func w(_ name: String) -> [Double] { weights[name]!.values.map(Double.init) }
        func apply(_ matrix: [Double], rows: Int, _ x: [Double], bias: String? = nil) -> [Double] {
            var result = bias.flatMap { weights[$0] }.map { $0.values.map(Double.init) } ?? [Double](repeating: 0, count: rows)
            for r in 0..<rows {
                for c in 0..<x.count { result[r] += matrix[r * x.count + c] * x[c] }
            }
            return result
        }
        func norm(_ x: [Double], _ weight: [Double]) -> [Double] {
            let scale = 1 / ((x.map { $0 * $0 }.reduce(0, +) / Double(x.count)) + epsilon).squareRoot()
            return x.indices.map { x[$0] * scale * weight[$0] }
        }
        func rotate(_ x: [Double], position: Int) -> [Double] {
            let d = headDimension, half = d / 2
            var y = x
            for head in 0..<(x.count / d) {
                for i in 0..<half {
                    let angle = Double(position) * pow(ropeBase, -2 * Double(i) / Double(d))
                    let a = x[head * d + i], b = x[head * d + i + half]
                    y[head * d + i] = a * cos(angle) - b * sin(angle)
                    y[head * d + i + half] = a * sin(angle) + b * cos(angle)
                }
            }
            return y
        }
        let d = headDimension, kv = kvHeads * d
        var states = tokens.map { token in (0..<hidden).map { Double(weights["model.embed_tokens.weight"]!.values[token * hidden + $0]) } }
        for layer in 0..<layers {
            let p = "model.layers.\(layer)."
            let normed = states.map { norm($0, w(p + "input_layernorm.weight")) }
            let q = normed.enumerated().map { rotate(apply(w(p + "self_attn.q_proj.weight"), rows: hidden, $0.element, bias: p + "self_attn.q_proj.bias"), position: $0.offset) }
            let k = normed.enumerated().map { rotate(apply(w(p + "self_attn.k_proj.weight"), rows: kv, $0.element, bias: p + "self_attn.k_proj.bias"), position: $0.offset) }
            let v = normed.map { apply(w(p + "self_attn.v_proj.weight"), rows: kv, $0, bias: p + "self_attn.v_proj.bias") }
            for t in tokens.indices {
                var attended = [Double](repeating: 0, count: hidden)
                for head in 0..<heads {
                    let group = head / (heads / kvHeads)
                    let scores = (0...t).map { s in (0..<d).reduce(0.0) { $0 + q[t][head * d + $1] * k[s][group * d + $1] } / Double(d).squareRoot() }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for s in 0...t { for i in 0..<d { attended[head * d + i] += weights[s] / total * v[s][group * d + i] } }
                }
                let projected = apply(w(p + "self_attn.o_proj.weight"), rows: hidden, attended)
                states[t] = states[t].indices.map { states[t][$0] + projected[$0] }
            }
            for t in tokens.indices {
                let x = norm(states[t], w(p + "post_attention_layernorm.weight"))
                let gate = apply(w(p + "mlp.gate_proj.weight"), rows: ffn, x), up = apply(w(p + "mlp.up_proj.weight"), rows: ffn, x)
                let product = gate.indices.map { gate[$0] / (1 + exp(-gate[$0])) * up[$0] }
                let down = apply(w(p + "mlp.down_proj.weight"), rows: hidden, product)
                states[t] = states[t].indices.map { states[t][$0] + down[$0] }
            }
        }
        let head = w(tied ? "model.embed_tokens.weight" : "lm_head.weight")
        return states.map { apply(head, rows: vocabulary, norm($0, w("model.norm.weight"))) }
    }
}

extension TinyLlama {
    /// The same model's logits with its Q, K and V biases left out.
    func referenceLogitsIgnoringBiases(_ tokens: [Int]) -> [[Double]] {
        var copy = self
        for name in copy.weights.keys where name.hasSuffix(".bias") { copy.weights[name] = nil }
        return copy.referenceLogits(tokens)
    }
}
