import Foundation
import MantNumerics
import MantTensorIO

/// A one-layer LLaMA in GGUF (hidden 8, 2 heads over 1 KV head, FFN 8) with a byte-level BPE
/// tokenizer: every byte's token and a few merges (`byteVocabulary`), or 16 tokens only.
public enum TinyGGUF {
    public static func write(to path: String, byteVocabulary: Bool = true) throws {
        var tokens = byteVocabulary ? byteCharacters.map { String($0) } : ["h", "e", "l", "o", "Ġ", "1", "2", "3", "a", "b", "c", "d", "x"]
        tokens += ["he", "ll", "<s>"]
        let vocabulary = tokens.count
        var tensors = [GGUFFile.TensorToWrite]()
        func add(_ name: String, _ shape: [Int]) throws {
            let count = shape.reduce(1, *)
            tensors.append(.init(name: name, tensor: try Tensor(shape: shape, values: (0..<count).map { Float(($0 * 7) % 11) / 10 - 0.5 })))
        }
        try add("token_embd.weight", [vocabulary, 8])
        try add("output_norm.weight", [8])
        for (name, shape) in [("attn_norm", [8]), ("attn_q", [8, 8]), ("attn_k", [4, 8]), ("attn_v", [4, 8]), ("attn_output", [8, 8]),
                              ("ffn_norm", [8]), ("ffn_gate", [8, 8]), ("ffn_up", [8, 8]), ("ffn_down", [8, 8])] {
            try add("blk.0.\(name).weight", shape)
        }
        try GGUFFile.write(metadata: [
            "general.architecture": .string("llama"), "general.name": .string("tiny"), "llama.context_length": .int(64),
            "llama.embedding_length": .int(8), "llama.feed_forward_length": .int(8), "llama.block_count": .int(1),
            "llama.attention.head_count": .int(2), "llama.attention.head_count_kv": .int(1),
            "llama.attention.layer_norm_rms_epsilon": .float(1e-5), "llama.rope.freq_base": .float(10000),
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string("smollm"), "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
            "tokenizer.ggml.merges": .array([.string("h e"), .string("l l")]),
            "tokenizer.ggml.token_type": .array(tokens.map { .int($0 == "<s>" ? 3 : 1) }),
        ], tensors: tensors, to: path)
    }

    /// GPT-2's byte-to-character table.
    static let byteCharacters: [Character] = {
        var next: UInt32 = 256
        return (0..<256).map { byte -> Character in
            if (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte) { return Character(Unicode.Scalar(UInt8(byte))) }
            defer { next += 1 }
            return Character(Unicode.Scalar(next)!)
        }
    }()
}
