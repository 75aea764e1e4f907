import Foundation
import MantTensorIO
import MantWorkload

extension BPETokenizer {
    /// llama.cpp's pre-tokenizer names (`tokenizer.ggml.pre`) for byte-level BPE, as steps.
    static func ggufPreTokenizer(_ name: String) -> [PreTokenizer.Step]? {
        switch name {
        case "default", "gpt2", "gpt-2", "starcoder", "olmo", "refact", "poro-chat", "viking", "jais":
            return [.split(pattern: PreTokenizer.gpt2Pattern)]
        case "smollm":
            return [.individualDigits, .split(pattern: PreTokenizer.gpt2Pattern)]
        case "llama3", "llama-v3", "llama-bpe", "smaug-bpe":
            return [.split(pattern: PreTokenizer.llama3Pattern)]
        default:
            return nil
        }
    }

    /// The tokenizer stored in a GGUF file's `tokenizer.ggml.*` keys (byte-level BPE only).
    public static func load(gguf file: GGUFFile) throws -> BPETokenizer {
        let source = file.path
        let model = try file.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw TokenizerError(source: source, field: "metadata 'tokenizer.ggml.model'",
                                 message: "is '\(model)'; byte-level BPE ('gpt2') is read. Bring token ids with --tokens FILE.npy instead")
        }
        let pre = file.metadata["tokenizer.ggml.pre"]?.string ?? "default"
        guard let steps = ggufPreTokenizer(pre) else {
            throw TokenizerError(source: source, field: "metadata 'tokenizer.ggml.pre'",
                                 message: "'\(pre)' is not a pre-tokenizer MantSim knows (default, gpt2, smollm, llama-bpe); pass --tokens FILE.npy instead")
        }
        let vocabulary = try file.strings("tokenizer.ggml.tokens")
        let merges = try file.strings("tokenizer.ggml.merges").enumerated().map { index, line -> (String, String) in
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError(source: source, field: "metadata 'tokenizer.ggml.merges'[\(index)]", message: "'\(line)' is not two tokens separated by a space")
            }
            return (String(parts[0]), String(parts[1]))
        }
        var special = [Int]()
        if file.metadata["tokenizer.ggml.token_type"] != nil {
            let types = try file.integers("tokenizer.ggml.token_type")
            guard types.count == vocabulary.count else {
                throw TokenizerError(source: source, field: "metadata 'tokenizer.ggml.token_type'",
                                     message: "has \(types.count) entries for \(vocabulary.count) tokens")
            }
            // 3: control, 4: user-defined; both are kept whole, as llama.cpp does with special parsing.
            special = types.enumerated().filter { $0.element == 3 || $0.element == 4 }.map(\.offset)
        }
        return try BPETokenizer(vocabulary: vocabulary, merges: merges, alphabet: .byteLevel, preTokenizer: PreTokenizer(steps: steps),
                                specialTokens: special, source: source)
    }

    /// A Hugging Face `tokenizer.json` whose model is BPE, with the normalizers and pre-tokenizers
    /// LLaMA-family models use: ByteLevel, Split (Isolated), Digits, Metaspace, and LLaMA-2's
    /// Prepend + Replace normalizer.
    public static func load(tokenizerJSON path: String) throws -> BPETokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError(source: path, field: "file", message: "does not exist or cannot be read")
        }
        let unsafe = JSONGuard.problems(data, maxBytes: 64 << 20)
        if let first = unsafe.first { throw TokenizerError(source: path, field: "file", message: first) }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TokenizerError(source: path, field: "file", message: "is not a JSON object")
        }
        func fail(_ field: String, _ message: String) -> TokenizerError { TokenizerError(source: path, field: field, message: message) }
        guard let model = root["model"] as? [String: Any] else { throw fail("model", "missing or not an object") }
        guard (model["type"] as? String) == "BPE" else { throw fail("model.type", "is \(model["type"].map { "'\($0)'" } ?? "missing"); BPE is read") }
        guard let vocabularyMap = model["vocab"] as? [String: Any] else { throw fail("model.vocab", "missing or not an object") }
        // Every added token, special or not, is matched whole in the text, as Hugging Face does.
        var added = [(id: Int, content: String)]()
        for (index, entry) in ((root["added_tokens"] as? [Any]) ?? []).enumerated() {
            guard let object = entry as? [String: Any], let id = (object["id"] as? NSNumber)?.intValue, let content = object["content"] as? String,
                  (0..<(1 << 22)).contains(id) else {
                throw fail("added_tokens[\(index)]", "expected an object with an id (0 to 4194303) and a content string")
            }
            added.append((id, content))
        }
        var pairs = [(String, Int)]()
        for (token, value) in vocabularyMap {
            guard let id = (value as? NSNumber)?.intValue, (0..<(1 << 22)).contains(id) else { throw fail("model.vocab['\(token)']", "expected an id from 0 to 4194303") }
            pairs.append((token, id))
        }
        let size = max(pairs.map(\.1).max() ?? -1, added.map(\.id).max() ?? -1) + 1
        var vocabulary = [String](repeating: "", count: size)
        for (token, id) in pairs + added.map({ ($0.content, $0.id) }) { vocabulary[id] = token }
        let merges = try ((model["merges"] as? [Any]) ?? []).enumerated().map { index, entry -> (String, String) in
            if let line = entry as? String {
                let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2 { return (String(parts[0]), String(parts[1])) }
            } else if let pair = entry as? [Any], pair.count == 2, let left = pair[0] as? String, let right = pair[1] as? String {
                return (left, right)
            }
            throw fail("model.merges[\(index)]", "expected \"left right\" or [left, right]")
        }
        var steps = [PreTokenizer.Step]()
        var byteLevel = false
        func read(_ object: [String: Any], field: String) throws {
            switch object["type"] as? String {
            case "Sequence":
                let children = (object["pretokenizers"] ?? object["normalizers"]) as? [Any] ?? []
                for (index, child) in children.enumerated() {
                    guard let child = child as? [String: Any] else { throw fail("\(field)[\(index)]", "expected an object") }
                    try read(child, field: "\(field)[\(index)]")
                }
            case "ByteLevel":
                byteLevel = true
                if (object["use_regex"] as? Bool) ?? true { steps.append(.split(pattern: PreTokenizer.gpt2Pattern)) }
            case "Split":
                guard let pattern = object["pattern"] as? [String: Any], let regex = (pattern["Regex"] ?? pattern["String"]) as? String else {
                    throw fail("\(field).pattern", "expected {\"Regex\": ...} or {\"String\": ...}")
                }
                guard ((object["behavior"] as? String) ?? "Isolated") == "Isolated", !((object["invert"] as? Bool) ?? false) else {
                    throw fail("\(field).behavior", "only Isolated, not inverted, splits are read")
                }
                steps.append(.split(pattern: pattern["Regex"] != nil ? regex : NSRegularExpression.escapedPattern(for: regex)))
            case "Digits":
                guard (object["individual_digits"] as? Bool) == true else { throw fail("\(field).individual_digits", "only individual digits are read") }
                steps.append(.individualDigits)
            case "Metaspace":
                steps.append(.metaspace(prefix: ((object["prepend_scheme"] as? String) ?? "always") != "never"))
            case "Prepend":
                break  // with Replace(" ", "▁"): LLaMA-2's normalizer, SentencePiece's metaspace
            case "Replace":
                steps.append(.metaspace(prefix: true))
            case "NFC", "NFKC", "NFD", "NFKD", "Lowercase", "Strip", "StripAccents", "BertPreTokenizer", "Whitespace", "WhitespaceSplit", "Punctuation":
                throw fail("\(field).type", "'\(object["type"]!)' is not read; LLaMA-family BPE tokenizers do not use it")
            default:
                throw fail("\(field).type", "\(object["type"].map { "'\($0)'" } ?? "missing") is not a normalizer or pre-tokenizer MantSim reads")
            }
        }
        if let normalizer = root["normalizer"] as? [String: Any] { try read(normalizer, field: "normalizer") }
        if let pre = root["pre_tokenizer"] as? [String: Any] { try read(pre, field: "pre_tokenizer") }
        let characters = (model["byte_fallback"] as? Bool) == true || steps.contains { if case .metaspace = $0 { return true } else { return false } }
        if !byteLevel && !characters { byteLevel = true }
        return try BPETokenizer(vocabulary: vocabulary, merges: merges, alphabet: byteLevel ? .byteLevel : .characters,
                                preTokenizer: PreTokenizer(steps: steps), specialTokens: added.map(\.id),
                                ignoreMerges: (model["ignore_merges"] as? Bool) ?? false, source: path)
    }
}
