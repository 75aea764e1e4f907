import Foundation
import MantTensorIO
import MantWorkload

/// Which dimensions of a head rotary position embedding rotates together.
public enum RoPELayout: String, Sendable, Codable {
    /// (2i, 2i + 1): GGUF LLaMA files, whose converter permuted Q and K rows for ggml's rope.
    case adjacentPairs = "adjacent-pairs"
    /// (i, i + d/2): Hugging Face checkpoints.
    case halves
}

/// Everything the forward pass needs beyond the shapes: the LLaMA family's hyperparameters.
public struct LanguageModelConfig: Equatable, Sendable {
    /// Shapes, shared with the workload generator.
    public var shape: ModelConfig
    public var rmsNormEpsilon: Float
    public var ropeBase: Double
    public var ropeLayout: RoPELayout
    /// Q, K and V projections carry biases (Qwen2).
    public var attentionBiases: Bool

    public init(shape: ModelConfig, rmsNormEpsilon: Float, ropeBase: Double, ropeLayout: RoPELayout, attentionBiases: Bool = false) {
        self.shape = shape
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeBase = ropeBase
        self.ropeLayout = ropeLayout
        self.attentionBiases = attentionBiases
    }

    public var headDimension: Int { shape.headDimension }
    public var kvWidth: Int { shape.kvHeads * shape.headDimension }

    /// From a GGUF file's `general.architecture` and `<arch>.*` keys.
    public static func load(gguf file: GGUFFile) throws -> LanguageModelConfig {
        let architecture = try file.string("general.architecture")
        guard ["llama", "mistral", "qwen2"].contains(architecture) else {
            throw TensorFileError(path: file.path, field: "metadata 'general.architecture'",
                                  message: "is '\(architecture)'; LLaMA-family decoders (llama, mistral, qwen2) are run")
        }
        func positive(_ key: String, limit: Int) throws -> Int {
            let value = try file.integer("\(architecture).\(key)")
            guard value > 0, value <= limit else {
                throw TensorFileError(path: file.path, field: "metadata '\(architecture).\(key)'", message: "is \(value); expected 1 to \(limit)")
            }
            return value
        }
        let limits = ModelConfig.limits
        let hidden = try positive("embedding_length", limit: limits["hidden_size"]!)
        let heads = try positive("attention.head_count", limit: limits["num_attention_heads"]!)
        let kvHeads = file.metadata["\(architecture).attention.head_count_kv"] == nil ? heads
            : try positive("attention.head_count_kv", limit: limits["num_key_value_heads"]!)
        let vocabulary = try file.metadata["\(architecture).vocab_size"] == nil ? file.strings("tokenizer.ggml.tokens").count
            : positive("vocab_size", limit: limits["vocab_size"]!)
        let json: [String: Any] = [
            "model_type": architecture, "hidden_size": hidden, "num_attention_heads": heads, "num_key_value_heads": kvHeads,
            "intermediate_size": try positive("feed_forward_length", limit: limits["intermediate_size"]!),
            "num_hidden_layers": try positive("block_count", limit: limits["num_hidden_layers"]!),
            "max_position_embeddings": try positive("context_length", limit: limits["max_position_embeddings"]!),
            "vocab_size": vocabulary, "tie_word_embeddings": !file.tensorNames.contains("output.weight"),
        ]
        let name = (file.metadata["general.name"]?.string).map { $0.isEmpty ? nil : $0 } ?? nil
        let shape = try readShape(json, name: name ?? URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent, path: file.path)
        let epsilon = try file.float("\(architecture).attention.layer_norm_rms_epsilon")
        let base = file.metadata["\(architecture).rope.freq_base"] == nil ? 10000 : try file.float("\(architecture).rope.freq_base")
        return try checked(LanguageModelConfig(shape: shape, rmsNormEpsilon: Float(epsilon), ropeBase: base,
                                               ropeLayout: architecture == "qwen2" ? .halves : .adjacentPairs,
                                               attentionBiases: file.tensorNames.contains("blk.0.attn_q.bias")),
                           path: file.path, epsilonField: "metadata '\(architecture).attention.layer_norm_rms_epsilon'",
                           baseField: "metadata '\(architecture).rope.freq_base'")
    }

    /// From a Hugging Face `config.json`: the shapes through `ModelConfig`, then `rms_norm_eps`
    /// and `rope_theta`.
    public static func load(configJSON path: String) throws -> LanguageModelConfig {
        let shape = try ModelConfig.load(path: path)
        guard shape.ffn == .gated else {
            throw ModelConfigError(path: path, problems: ["model_type: the forward pass runs LLaMA-family decoders (llama, mistral, qwen2), not OPT"])
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any] ?? [:]
        if let scaling = object["rope_scaling"], !(scaling is NSNull) {
            throw ModelConfigError(path: path, problems: ["rope_scaling: \(scaling) is not modelled; plain RoPE only"])
        }
        func number(_ key: String, default value: Double) throws -> Double {
            guard let raw = object[key] else { return value }
            guard let number = raw as? NSNumber, !(raw is Bool) else { throw ModelConfigError(path: path, problems: ["\(key): expected a number, got \(raw)"]) }
            return number.doubleValue
        }
        let modelType = (object["model_type"] as? String) ?? "llama"
        return try checked(LanguageModelConfig(shape: shape, rmsNormEpsilon: Float(try number("rms_norm_eps", default: 1e-6)),
                                               ropeBase: try number("rope_theta", default: 10000), ropeLayout: .halves,
                                               attentionBiases: modelType == "qwen2"),
                           path: path, epsilonField: "rms_norm_eps", baseField: "rope_theta")
    }

    static func readShape(_ json: [String: Any], name: String, path: String) throws -> ModelConfig {
        do {
            return try ModelConfig.parse(json, name: name, path: path)
        } catch let error as ModelConfigError {
            throw TensorFileError(path: path, field: "metadata", message: error.problems.joined(separator: "; "))
        }
    }

    private static func checked(_ config: LanguageModelConfig, path: String, epsilonField: String, baseField: String) throws -> LanguageModelConfig {
        guard config.rmsNormEpsilon.isFinite, config.rmsNormEpsilon > 0, config.rmsNormEpsilon < 1 else {
            throw TensorFileError(path: path, field: epsilonField, message: "is \(config.rmsNormEpsilon); expected a small positive number")
        }
        guard config.ropeBase.isFinite, config.ropeBase > 1, config.ropeBase <= 1e9 else {
            throw TensorFileError(path: path, field: baseField, message: "is \(config.ropeBase); expected a number above 1 and up to 1e9")
        }
        guard config.shape.queryWidth == config.shape.hiddenSize else {
            throw TensorFileError(path: path, field: "head_dim", message: "\(config.shape.heads) heads x \(config.headDimension) = \(config.shape.queryWidth) "
                                  + "query channels, not the hidden size \(config.shape.hiddenSize); the forward pass here needs them equal")
        }
        guard config.headDimension % 2 == 0 else {
            throw TensorFileError(path: path, field: "head dimension", message: "is \(config.headDimension); RoPE needs an even head dimension")
        }
        return config
    }
}
