import Foundation
import MantNumerics
import MantTensorIO
import MantWorkload

/// A language model on disk: a GGUF file, or a Hugging Face checkpoint directory (`config.json`,
/// `model.safetensors` or shards listed in `model.safetensors.index.json`, `tokenizer.json`).
public struct Checkpoint {
    public enum Origin: String, Sendable, Codable { case gguf, huggingFace = "hugging-face" }

    public let path: String
    public let origin: Origin
    public let config: LanguageModelConfig
    private let files: [String: TensorReader]
    private let gguf: GGUFFile?

    /// One tensor file behind a name.
    enum TensorReader {
        case gguf(GGUFFile)
        case safetensors(SafetensorsFile)

        func tensor(named name: String) throws -> Tensor {
            switch self {
            case .gguf(let file): return try file.tensor(named: name)
            case .safetensors(let file): return try file.tensor(named: name)
            }
        }

        func shape(of name: String) throws -> [Int] {
            switch self {
            case .gguf(let file): return try file.info(named: name).shape
            case .safetensors(let file): return file.entries[name]!.shape
            }
        }

        var path: String {
            switch self {
            case .gguf(let file): return file.path
            case .safetensors(let file): return file.path
            }
        }
    }

    public init(path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TensorFileError(path: path, field: "file", message: "no such file or directory; expected a GGUF file or a Hugging Face checkpoint directory")
        }
        self.path = path
        if isFolder.boolValue {
            origin = .huggingFace
            gguf = nil
            let folder = URL(fileURLWithPath: path)
            var config = try LanguageModelConfig.load(configJSON: folder.appendingPathComponent("config.json").path)
            config.shape.name = folder.standardizedFileURL.lastPathComponent
            self.config = config
            files = try Checkpoint.safetensors(in: folder)
        } else {
            origin = .gguf
            let file = try GGUFFile(path: path)
            gguf = file
            config = try LanguageModelConfig.load(gguf: file)
            files = Dictionary(uniqueKeysWithValues: file.tensorNames.map { ($0, TensorReader.gguf(file)) })
        }
    }

    /// Every tensor name of a directory's safetensors files, mapped to the file that holds it.
    private static func safetensors(in folder: URL) throws -> [String: TensorReader] {
        let single = folder.appendingPathComponent("model.safetensors").path
        let index = folder.appendingPathComponent("model.safetensors.index.json").path
        if FileManager.default.fileExists(atPath: single) {
            let file = try SafetensorsFile(path: single)
            return Dictionary(uniqueKeysWithValues: file.tensorNames.map { ($0, TensorReader.safetensors(file)) })
        }
        guard let data = FileManager.default.contents(atPath: index) else {
            throw TensorFileError(path: folder.path, field: "weights", message: "has neither model.safetensors nor model.safetensors.index.json")
        }
        if let problem = JSONGuard.problems(data, maxBytes: 16 << 20).first { throw TensorFileError(path: index, field: "file", message: problem) }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let map = root["weight_map"] as? [String: Any] else {
            throw TensorFileError(path: index, field: "weight_map", message: "missing or not an object of tensor name to file name")
        }
        var opened = [String: SafetensorsFile]()
        var readers = [String: TensorReader]()
        for (name, value) in map {
            guard let shard = value as? String, !shard.contains("/"), !shard.hasPrefix(".") else {
                throw TensorFileError(path: index, field: "weight_map['\(name)']", message: "expected a file name in the same directory")
            }
            if opened[shard] == nil { opened[shard] = try SafetensorsFile(path: folder.appendingPathComponent(shard).path) }
            guard opened[shard]!.entries[name] != nil else {
                throw TensorFileError(path: index, field: "weight_map['\(name)']", message: "points at \(shard), which holds no such tensor")
            }
            readers[name] = .safetensors(opened[shard]!)
        }
        return readers
    }

    /// The tokenizer shipped with the checkpoint: a GGUF file's own keys, or `tokenizer.json`.
    public func tokenizer() throws -> BPETokenizer {
        if let gguf { return try BPETokenizer.load(gguf: gguf) }
        return try BPETokenizer.load(tokenizerJSON: URL(fileURLWithPath: path).appendingPathComponent("tokenizer.json").path)
    }

    /// The tensor's name in this checkpoint's naming scheme.
    func name(_ role: WeightRole, layer: Int = 0) -> String {
        switch origin {
        case .gguf: return role.ggufName(layer: layer)
        case .huggingFace: return role.huggingFaceName(layer: layer)
        }
    }

    func contains(_ role: WeightRole, layer: Int = 0) -> Bool { files[name(role, layer: layer)] != nil }

    /// Reads a weight, refusing it by name when its shape differs from what the config implies.
    func weight(_ role: WeightRole, layer: Int = 0) throws -> [Float] {
        let name = name(role, layer: layer)
        guard let reader = files[name] else {
            throw TensorFileError(path: path, field: "tensor '\(name)'", message: "missing; a \(config.shape.layers)-layer LLaMA-family checkpoint needs it")
        }
        let expected = role.shape(config)
        let actual = try reader.shape(of: name)
        guard actual == expected || (expected.count == 1 && actual.reduce(1, *) == expected[0] && actual.count <= 2) else {
            throw TensorFileError(path: reader.path, field: "tensor '\(name)' shape",
                                  message: "is \(actual) but the config (hidden \(config.shape.hiddenSize), \(config.shape.heads) heads, "
                                    + "\(config.shape.kvHeads) KV heads, FFN \(config.shape.intermediateSize), vocabulary \(config.shape.vocabularySize)) implies \(expected)")
        }
        let tensor = try reader.tensor(named: name)
        if let position = tensor.values.firstIndex(where: { !$0.isFinite }) {
            throw TensorFileError(path: reader.path, field: "tensor '\(name)'", message: "value \(position) is \(tensor.values[position]); weights must be finite")
        }
        return tensor.values
    }
}

/// The weights of a LLaMA-family decoder, by what they do.
enum WeightRole: CaseIterable {
    case embedding, finalNorm, output
    case attentionNorm, query, key, value, attentionOutput, queryBias, keyBias, valueBias
    case ffnNorm, gate, up, down

    func ggufName(layer: Int) -> String {
        switch self {
        case .embedding: return "token_embd.weight"
        case .finalNorm: return "output_norm.weight"
        case .output: return "output.weight"
        case .attentionNorm: return "blk.\(layer).attn_norm.weight"
        case .query: return "blk.\(layer).attn_q.weight"
        case .key: return "blk.\(layer).attn_k.weight"
        case .value: return "blk.\(layer).attn_v.weight"
        case .attentionOutput: return "blk.\(layer).attn_output.weight"
        case .queryBias: return "blk.\(layer).attn_q.bias"
        case .keyBias: return "blk.\(layer).attn_k.bias"
        case .valueBias: return "blk.\(layer).attn_v.bias"
        case .ffnNorm: return "blk.\(layer).ffn_norm.weight"
        case .gate: return "blk.\(layer).ffn_gate.weight"
        case .up: return "blk.\(layer).ffn_up.weight"
        case .down: return "blk.\(layer).ffn_down.weight"
        }
    }

    func huggingFaceName(layer: Int) -> String {
        let prefix = "model.layers.\(layer)."
        switch self {
        case .embedding: return "model.embed_tokens.weight"
        case .finalNorm: return "model.norm.weight"
        case .output: return "lm_head.weight"
        case .attentionNorm: return prefix + "input_layernorm.weight"
        case .query: return prefix + "self_attn.q_proj.weight"
        case .key: return prefix + "self_attn.k_proj.weight"
        case .value: return prefix + "self_attn.v_proj.weight"
        case .attentionOutput: return prefix + "self_attn.o_proj.weight"
        case .queryBias: return prefix + "self_attn.q_proj.bias"
        case .keyBias: return prefix + "self_attn.k_proj.bias"
        case .valueBias: return prefix + "self_attn.v_proj.bias"
        case .ffnNorm: return prefix + "post_attention_layernorm.weight"
        case .gate: return prefix + "mlp.gate_proj.weight"
        case .up: return prefix + "mlp.up_proj.weight"
        case .down: return prefix + "mlp.down_proj.weight"
        }
    }

    /// Row-major shape ([out, in] for a projection) implied by the config.
    func shape(_ config: LanguageModelConfig) -> [Int] {
        let h = config.shape.hiddenSize, kv = config.kvWidth, i = config.shape.intermediateSize, v = config.shape.vocabularySize
        switch self {
        case .embedding, .output: return [v, h]
        case .finalNorm, .attentionNorm, .ffnNorm, .queryBias: return [h]
        case .keyBias, .valueBias: return [kv]
        case .query, .attentionOutput: return [h, h]
        case .key, .value: return [kv, h]
        case .gate, .up: return [i, h]
        case .down: return [h, i]
        }
    }
}
