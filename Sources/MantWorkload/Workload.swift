/// Where an operation runs.
public enum ExecutionUnit: String, Sendable, Codable {
    /// The PE array: a GEMM with weights in the architecture's weight format.
    case array
    /// The PE array with the KV cache as the stationary operand (attention scores and P*V).
    case arrayKV
    /// The vector unit: norms, softmax, activation functions, residual adds.
    case vector
}

/// One operator of one layer (or of the model head), with how many times it runs per phase.
public struct Operation: Equatable, Sendable, Codable {
    public var name: String
    public var unit: ExecutionUnit
    /// GEMM shape (M x K) * (K x N); for vector operations, M x N elements and K = 1.
    public var m: Int
    public var k: Int
    public var n: Int
    /// Independent instances: layers, times heads (or KV heads x batch) for attention.
    public var repeats: Int

    public init(name: String, unit: ExecutionUnit, m: Int, k: Int, n: Int, repeats: Int) {
        self.name = name
        self.unit = unit
        self.m = m
        self.k = k
        self.n = n
        self.repeats = repeats
    }

    public var macs: Int { unit == .vector ? 0 : m * k * n * repeats }
    public var elements: Int { m * n * repeats }
}

/// Prefill (the prompt, all tokens at once) or decode (one token per sequence per step).
public enum Phase: String, CaseIterable, Sendable, Codable {
    case prefill, decode

    /// The phases a `--phase` value names: prefill, decode or both.
    public static func selection(_ text: String) -> [Phase]? {
        text == "both" ? Phase.allCases : Phase(rawValue: text).map { [$0] }
    }
}

extension ModelConfig {
    /// The operators of one phase, in execution order within a layer, then the model head.
    ///
    /// Prefill runs the full (unmasked) L x L score matrix per head; the LM head runs on the last
    /// token of each sequence only, as generation needs. A decode step attends over the context
    /// it is given, which includes the new token. GQA: each KV head serves heads/kvHeads query
    /// heads, so attention runs as kvHeads GEMMs with M = batch x (query heads per KV head).
    /// `length`: the prompt's tokens for prefill; for a decode step, its context (the new token included).
    public func operations(_ phase: Phase, batch: Int, length: Int) -> [Operation] {
        let h = hiddenSize, d = headDimension, kv = kvHeads * d, q = queryWidth
        let group = heads / kvHeads
        let tokens: Int, queries: Int, context = length
        switch phase {
        case .prefill: (tokens, queries) = (batch * length, length)
        case .decode: (tokens, queries) = (batch, 1)
        }
        let L = layers
        var ops: [Operation] = [
            Operation(name: "input_norm", unit: .vector, m: tokens, k: 1, n: h, repeats: L),
            Operation(name: "q_proj", unit: .array, m: tokens, k: h, n: q, repeats: L),
            Operation(name: "k_proj", unit: .array, m: tokens, k: h, n: kv, repeats: L),
            Operation(name: "v_proj", unit: .array, m: tokens, k: h, n: kv, repeats: L),
            Operation(name: "attention_scores", unit: .arrayKV, m: queries * group, k: d, n: context, repeats: L * kvHeads * batch),
            Operation(name: "softmax", unit: .vector, m: queries * heads, k: 1, n: context, repeats: L * batch),
            Operation(name: "attention_values", unit: .arrayKV, m: queries * group, k: context, n: d, repeats: L * kvHeads * batch),
            Operation(name: "o_proj", unit: .array, m: tokens, k: q, n: h, repeats: L),
            Operation(name: "post_attention_norm", unit: .vector, m: tokens, k: 1, n: h, repeats: L),
        ]
        switch ffn {
        case .gated:
            ops += [
                Operation(name: "gate_proj", unit: .array, m: tokens, k: h, n: intermediateSize, repeats: L),
                Operation(name: "up_proj", unit: .array, m: tokens, k: h, n: intermediateSize, repeats: L),
                Operation(name: "silu_multiply", unit: .vector, m: tokens, k: 1, n: intermediateSize, repeats: L),
                Operation(name: "down_proj", unit: .array, m: tokens, k: intermediateSize, n: h, repeats: L),
            ]
        case .mlp:
            ops += [
                Operation(name: "fc1", unit: .array, m: tokens, k: h, n: intermediateSize, repeats: L),
                Operation(name: "relu", unit: .vector, m: tokens, k: 1, n: intermediateSize, repeats: L),
                Operation(name: "fc2", unit: .array, m: tokens, k: intermediateSize, n: h, repeats: L),
            ]
        }
        ops += [
            Operation(name: "final_norm", unit: .vector, m: batch, k: 1, n: h, repeats: 1),
            Operation(name: "lm_head", unit: .array, m: batch, k: h, n: vocabularySize, repeats: 1),
        ]
        return ops
    }

    /// Weights the array reads per phase: every projection, FFN and LM head matrix.
    public func weightCount(_ phase: Phase, batch: Int = 1, length: Int = 1) -> Int {
        operations(phase, batch: batch, length: length).filter { $0.unit == .array }.reduce(0) { $0 + $1.k * $1.n * $1.repeats }
    }
}

/// What a vector-unit operation computes, which sets the work it does per element.
public enum VectorKernel: String, Sendable, Codable {
    /// RMSNorm (LLaMA) or LayerNorm (OPT) over each row.
    case rmsNorm, layerNorm
    /// Softmax over each row of attention scores.
    case softmax
    /// SiLU(gate) x up, element-wise.
    case siluMultiply
    /// ReLU, element-wise.
    case relu
}

extension ModelConfig {
    /// The kernel of a vector operation of this model, or nil for array operations.
    public func vectorKernel(of operation: Operation) -> VectorKernel? {
        guard operation.unit == .vector else { return nil }
        switch operation.name {
        case "softmax": return .softmax
        case "silu_multiply": return .siluMultiply
        case "relu": return .relu
        default: return hasBiases ? .layerNorm : .rmsNorm
        }
    }
}

extension ModelConfig {
    /// The Hugging Face checkpoint names of an array operator's weight ([out, in]) in `layer`, in
    /// the order to try them; empty for operators without weights (attention over the KV cache).
    /// LLaMA: model.layers.L.self_attn.{q,k,v,o}_proj, model.layers.L.mlp.{gate,up,down}_proj;
    /// OPT: model.decoder.layers.L.self_attn.{q,k,v,out}_proj, model.decoder.layers.L.fc1/fc2; the
    /// LM head is lm_head.weight, or the token embedding when the two are tied.
    public func checkpointNames(of operation: Operation, layer: Int) -> [String] {
        let prefix = ffn == .mlp ? "model.decoder.layers.\(layer)." : "model.layers.\(layer)."
        switch operation.name {
        case "q_proj", "k_proj", "v_proj": return [prefix + "self_attn.\(operation.name).weight"]
        case "o_proj": return [prefix + (ffn == .mlp ? "self_attn.out_proj.weight" : "self_attn.o_proj.weight")]
        case "gate_proj", "up_proj", "down_proj": return [prefix + "mlp.\(operation.name).weight"]
        case "fc1", "fc2": return [prefix + "\(operation.name).weight"]
        case "lm_head": return ["lm_head.weight", ffn == .mlp ? "model.decoder.embed_tokens.weight" : "model.embed_tokens.weight"]
        default: return []
        }
    }
}
