import Foundation

/// The shape-setting fields of an LLM, read from a Hugging Face style `config.json`.
public struct ModelConfig: Equatable, Sendable {
    /// Gated FFN (LLaMA: gate, up, down with SiLU) or a two-layer MLP (OPT: fc1, fc2 with ReLU).
    public enum FFNKind: String, Sendable { case gated, mlp }

    public var name: String
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var heads: Int
    public var kvHeads: Int
    public var layers: Int
    public var vocabularySize: Int
    public var maxPositions: Int
    public var ffn: FFNKind
    /// OPT: learned position embeddings, biases, LayerNorm with bias, LM head tied to the embedding.
    public var hasBiases: Bool
    public var tiedEmbeddings: Bool

    /// Channels per attention head: config.json's head_dim, or hidden / heads when it gives none.
    public var headDimension: Int
    /// Query channels, heads x head dimension: what q_proj makes and o_proj reads (the hidden size
    /// unless head_dim says otherwise, as in Mistral-NeMo).
    public var queryWidth: Int { heads * headDimension }

    public init(name: String, hiddenSize: Int, intermediateSize: Int, heads: Int, kvHeads: Int, layers: Int,
                vocabularySize: Int, maxPositions: Int, ffn: FFNKind, hasBiases: Bool, tiedEmbeddings: Bool, headDimension: Int? = nil) {
        self.headDimension = headDimension ?? hiddenSize / heads
        self.name = name
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.heads = heads
        self.kvHeads = kvHeads
        self.layers = layers
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        self.ffn = ffn
        self.hasBiases = hasBiases
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Reads a config.json; every missing or impossible field is reported at once.
    public static func load(path: String) throws -> ModelConfig {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw ModelConfigError(path: path, problems: ["file: does not exist"]) }
        if isFolder.boolValue { throw ModelConfigError(path: path, problems: ["file: is a folder, not a config.json"]) }
        let data: Data
        do { data = try BoundedFile.read(path, limit: JSONGuard.maxBytes) } catch { throw ModelConfigError(path: path, problems: ["file: \(error)"]) }
        let unsafe = JSONGuard.problems(data)
        if !unsafe.isEmpty { throw ModelConfigError(path: path, problems: unsafe) }
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw ModelConfigError(path: path, problems: ["file: not a JSON object"])
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(json, name: name, path: path)
    }

    /// The largest value each size may take (well above every published model's, far below what
    /// would overflow a size or exhaust memory): hidden 65,536, FFN 262,144, heads 1,024, layers
    /// 1,024, vocabulary and positions 2^20.
    public static let limits: [String: Int] = [
        "hidden_size": 65536, "n_embd": 65536, "d_model": 65536, "intermediate_size": 262_144, "ffn_dim": 262_144,
        "num_attention_heads": 1024, "n_head": 1024, "num_key_value_heads": 1024, "num_hidden_layers": 1024, "n_layer": 1024,
        "vocab_size": 1 << 20, "max_position_embeddings": 1 << 20, "head_dim": 4096,
    ]
    /// Keys that change a model in ways MantSim does not model, each refused by name when it is on:
    /// biases in a LLaMA-style block, a mixture of experts, attention over a sliding window.
    public static let unmodelledKeys = ["attention_bias", "mlp_bias", "num_local_experts", "num_experts", "sliding_window"]

    static func unmodelled(_ json: [String: Any]) -> [String] {
        var problems = [String]()
        func on(_ key: String) -> Any? { json[key].flatMap { $0 is NSNull ? nil : $0 } }
        for key in ["attention_bias", "mlp_bias"] where on(key) as? Bool == true {
            problems.append("\(key): true means biases on the \(key == "mlp_bias" ? "FFN" : "attention") projections, which MantSim does not model")
        }
        for key in ["num_local_experts", "num_experts"] where on(key) != nil {
            problems.append("\(key): \(on(key)!) means a mixture of experts, which MantSim does not model")
        }
        if let window = on("sliding_window"), window is Int, json["use_sliding_window"] as? Bool != false {
            problems.append("sliding_window: \(window) means attention over a sliding window, which MantSim does not model "
                + "(every token attends to the whole context here); set it to null to model full attention")
        }
        return problems
    }

    /// model_type values modelled: LLaMA-style decoders (gated FFN) and OPT.
    public static let modelTypes = ["llama", "mistral", "qwen2", "opt"]

    public static func parse(_ json: [String: Any], name: String, path: String) throws -> ModelConfig {
        var problems = [String]()
        func integer(_ keys: [String], required: Bool = true) -> Int? {
            for key in keys {
                guard let value = json[key] else { continue }
                let limit = ModelConfig.limits[key] ?? Int.max
                if let number = value as? Int, number > 0, number <= limit { return number }
                problems.append("\(key): expected a positive integer up to \(limit), got \(value)")
                return nil
            }
            if required {
                let aliases = keys.count > 1 ? " (also read as \(keys.dropFirst().joined(separator: ", ")))" : ""
                problems.append("\(keys[0]): missing\(aliases)")
            }
            return nil
        }
        let modelType = (json["model_type"] as? String) ?? ""
        if json["model_type"] != nil, !ModelConfig.modelTypes.contains(modelType) {
            problems.append("model_type: expected \(ModelConfig.modelTypes.joined(separator: ", ")) (LLaMA-style decoders and OPT), got \(json["model_type"]!)")
        }
        let isOPT = modelType == "opt" || json["ffn_dim"] != nil
        let hidden = integer(["hidden_size", "n_embd", "d_model"])
        let intermediate = integer(isOPT ? ["ffn_dim"] : ["intermediate_size"])
        let heads = integer(["num_attention_heads", "n_head"])
        let kvHeads = integer(["num_key_value_heads"], required: false) ?? heads
        let layers = integer(["num_hidden_layers", "n_layer"])
        let vocabulary = integer(["vocab_size"])
        let positions = integer(["max_position_embeddings"], required: false) ?? 2048
        let headDimension = json["head_dim"] is NSNull ? nil : integer(["head_dim"], required: false)
        if let hidden, let heads, headDimension == nil, hidden % heads != 0 {
            problems.append("num_attention_heads: \(heads) does not divide hidden_size \(hidden) (and no head_dim is given)")
        }
        if !isOPT { problems += ModelConfig.unmodelled(json) }
        if let heads, let kvHeads, heads % kvHeads != 0 {
            problems.append("num_key_value_heads: \(kvHeads) does not divide num_attention_heads \(heads)")
        }
        if isOPT, let projection = json["word_embed_proj_dim"] as? Int, let hidden, projection != hidden {
            problems.append("word_embed_proj_dim: \(projection) differs from hidden_size \(hidden); projected OPT embeddings are not modelled")
        }
        guard problems.isEmpty, let hidden, let intermediate, let heads, let kvHeads, let layers, let vocabulary else {
            throw ModelConfigError(path: path, problems: problems)
        }
        let tied = (json["tie_word_embeddings"] as? Bool) ?? isOPT
        return ModelConfig(name: name, hiddenSize: hidden, intermediateSize: intermediate, heads: heads, kvHeads: kvHeads,
                           layers: layers, vocabularySize: vocabulary, maxPositions: positions, ffn: isOPT ? .mlp : .gated,
                           hasBiases: isOPT, tiedEmbeddings: tied, headDimension: headDimension)
    }

    /// Every weight of the model, embeddings and norms included.
    public var parameterCount: Int {
        let h = hiddenSize, i = intermediateSize, kvWidth = kvHeads * headDimension, q = queryWidth
        var perLayer = 2 * h * q + 2 * h * kvWidth
        perLayer += ffn == .gated ? 3 * h * i : 2 * h * i
        if hasBiases {
            perLayer += q + h + 2 * kvWidth + i + h  // q, o, k, v, fc1, fc2 biases
            perLayer += 4 * h                         // two LayerNorms, weight and bias
        } else {
            perLayer += 2 * h                         // two RMSNorm weights
        }
        var total = vocabularySize * h + layers * perLayer
        total += hasBiases ? 2 * h : h                // final norm
        if hasBiases { total += (maxPositions + 2) * h }  // OPT's learned positions (offset 2)
        if !tiedEmbeddings { total += vocabularySize * h }
        return total
    }
}

public struct ModelConfigError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problems: [String]

    public init(path: String, problems: [String]) {
        self.path = path
        self.problems = problems
    }

    public var description: String { problems.map { "\(path): \($0)" }.joined(separator: "\n") }
}
