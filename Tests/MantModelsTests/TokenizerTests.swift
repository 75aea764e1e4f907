import Foundation
import XCTest
@testable import MantModels
import MantNumerics

final class TokenizerTests: XCTestCase {
    func testByteCharactersAreGPT2sTable() {
        let table = BPETokenizer.byteCharacters
        XCTAssertEqual(Set(table).count, 256)
        XCTAssertEqual(table[Int(UInt8(ascii: "A"))], "A")
        XCTAssertEqual(table[0x20], "Ġ")
        XCTAssertEqual(table[0x0A], "Ċ")
        XCTAssertEqual(table[0], "Ā")
        XCTAssertEqual(table[0xAD], "Ń", "the one unprintable byte inside Latin-1's printable ranges")
    }

    func testGPT2AndSmolLMPreTokenizers() throws {
        let text = "Hello world's  123 !!\n\n x"
        let gpt2 = try PreTokenizer(steps: [.split(pattern: PreTokenizer.gpt2Pattern)])
        XCTAssertEqual(gpt2.pieces(text), ["Hello", " world", "'s", " ", " 123", " !!", "\n\n", " x"])
        let smollm = try PreTokenizer(steps: [.individualDigits, .split(pattern: PreTokenizer.gpt2Pattern)])
        XCTAssertEqual(smollm.pieces(text), ["Hello", " world", "'s", "  ", "1", "2", "3", " !!", "\n\n", " x"])
        let llama3 = try PreTokenizer(steps: [.split(pattern: PreTokenizer.llama3Pattern)])
        XCTAssertEqual(llama3.pieces("I'M 12345 ok\n\n"), ["I", "'M", " ", "123", "45", " ok", "\n\n"])
        // U+000B and U+0085 are white space for the reference tokenizers; ICU's \s alone leaves them out.
        XCTAssertEqual(gpt2.pieces("a\u{0B}\u{0B}b"), ["a", "\u{0B}", "\u{0B}", "b"])
        XCTAssertEqual(gpt2.pieces("a \u{85}b"), ["a", " ", "\u{85}", "b"])
        XCTAssertEqual(PreTokenizer.unicodeWhitespace(#"[^\s\p{L}]\S\\s"#), #"[^\p{White_Space}\p{L}]\P{White_Space}\\s"#)
    }

    /// A byte-level vocabulary: the 256 byte characters, then merged tokens.
    private func byteLevel(merges: [(String, String)], special: [String] = [], steps: [PreTokenizer.Step]? = nil) throws -> BPETokenizer {
        var vocabulary = BPETokenizer.byteCharacters.map { String($0) }
        for (left, right) in merges where !vocabulary.contains(left + right) { vocabulary.append(left + right) }
        let specialIDs = special.map { token -> Int in vocabulary.append(token); return vocabulary.count - 1 }
        return try BPETokenizer(vocabulary: vocabulary, merges: merges, alphabet: .byteLevel,
                                preTokenizer: PreTokenizer(steps: steps ?? [.split(pattern: PreTokenizer.gpt2Pattern)]),
                                specialTokens: specialIDs, source: "test")
    }

    func testMergesApplyLowestRankFirstAndLeftmostAmongEquals() throws {
        let tokenizer = try byteLevel(merges: [("a", "a"), ("b", "c"), ("a", "bc"), ("Ġ", "a")])
        func pieces(_ text: String) -> [String] { tokenizer.encode(text).map { tokenizer.vocabulary[$0] } }
        XCTAssertEqual(pieces("aaa"), ["aa", "a"])
        XCTAssertEqual(pieces("aaaa"), ["aa", "aa"])
        XCTAssertEqual(pieces("abc"), ["abc"])
        XCTAssertEqual(pieces("aabc"), ["aa", "bc"], "'a a' ranks before 'a bc', so the first a pairs left")
        XCTAssertEqual(pieces(" abc"), ["Ġ", "abc"], "'b c' then 'a bc' rank before 'Ġ a', which then has no a left")
    }

    func testSpecialTokensAreKeptWholeAndRoundTripsAreExact() throws {
        let tokenizer = try byteLevel(merges: [("h", "i")], special: ["<|im_start|>", "<|im_end|>"])
        let ids = tokenizer.encode("<|im_start|>hi<|im_end|> <|im_start|>")
        XCTAssertEqual(ids.map { tokenizer.vocabulary[$0] }, ["<|im_start|>", "hi", "<|im_end|>", "Ġ", "<|im_start|>"])
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aé漢👩‍👩‍👧 \t\n\r\u{0B}\u{85}\u{A0}0123456789'!<|>") + ["e\u{301}"]
        for _ in 0..<200 {
            let text = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text)
        }
    }

    func testLongWordsMergeInLinearithmicTime() throws {
        let tokenizer = try byteLevel(merges: [("a", "b"), ("ab", "ab")], steps: [])
        let ids = tokenizer.encode(String(repeating: "ab", count: 50_000))
        XCTAssertEqual(ids.count, 25_000)
        XCTAssertEqual(Set(ids.map { tokenizer.vocabulary[$0] }), ["abab"])
    }

    private func write(_ object: [String: Any]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTokenizerJSONWithByteLevelDigitsAndAddedTokens() throws {
        var vocab = [String: Int]()
        for (id, character) in BPETokenizer.byteCharacters.enumerated() { vocab[String(character)] = id }
        vocab["he"] = 256; vocab["Ġhe"] = 257
        let path = try write([
            "model": ["type": "BPE", "vocab": vocab, "merges": ["h e", ["Ġ", "he"]]],
            "added_tokens": [["id": 258, "content": "<eos>", "special": true]],
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true],
                                                                     ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true]]],
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokenizer = try BPETokenizer.load(tokenizerJSON: path)
        XCTAssertEqual(tokenizer.encode("he he42<eos>"), [256, 257, Int(UInt8(ascii: "4")), Int(UInt8(ascii: "2")), 258])
        XCTAssertEqual(tokenizer.decode([256, 257, 258]), "he he<eos>")
    }

    func testSentencePieceStyleBPEWithByteFallback() throws {
        var vocab: [String: Int] = ["<unk>": 0, "▁": 1, "h": 2, "i": 3, "▁h": 4, "▁hi": 5]
        for byte in 0..<256 { vocab[String(format: "<0x%02X>", byte)] = 6 + byte }
        vocab["\n"] = 262
        let path = try write([
            "model": ["type": "BPE", "vocab": vocab, "merges": ["▁ h", "▁h i"], "byte_fallback": true],
            "normalizer": ["type": "Sequence", "normalizers": [["type": "Prepend", "prepend": "▁"], ["type": "Replace", "pattern": ["String": " "], "content": "▁"]]],
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokenizer = try BPETokenizer.load(tokenizerJSON: path)
        XCTAssertEqual(tokenizer.encode("hi hé"), [5, 4, 6 + 0xC3, 6 + 0xA9])
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("hi hé")), "hi hé", "the prefix space is the tokenizer's own, and goes again")
        XCTAssertEqual(tokenizer.encode("h\r\n"), [4, 6 + 0x0D, 262], "\"\\r\\n\" is one Character but two symbols")
    }

    func testBrokenTokenizersAreRefusedByField() throws {
        let cases: [([String: Any], String)] = [
            (["model": ["type": "WordPiece", "vocab": [:]]], "model.type: is 'WordPiece'"),
            (["model": ["type": "BPE", "vocab": ["a": 0], "merges": ["a b"]]], "merges[0]: 'a b' names a token missing"),
            (["model": ["type": "BPE", "vocab": ["a": -3]]], "model.vocab['a']"),
            (["model": ["type": "BPE", "vocab": ["a": 0], "merges": [7]]], "model.merges[0]"),
            (["model": ["type": "BPE", "vocab": ["a": 0]], "pre_tokenizer": ["type": "Whitespace"]], "pre_tokenizer.type: 'Whitespace'"),
            (["model": ["type": "BPE", "vocab": ["a": 0]], "pre_tokenizer": ["type": "Split", "pattern": ["Regex": "(("], "behavior": "Isolated"]], "is not a regular expression"),
        ]
        for (object, expected) in cases {
            let path = try write(object)
            defer { try? FileManager.default.removeItem(atPath: path) }
            XCTAssertThrowsError(try BPETokenizer.load(tokenizerJSON: path)) { XCTAssertTrue("\($0)".contains(expected), "\($0) lacks \(expected)") }
        }
        XCTAssertThrowsError(try BPETokenizer.load(tokenizerJSON: "/no/such/tokenizer.json")) { XCTAssertTrue("\($0)".contains("does not exist"), "\($0)") }
    }
}

final class HalfRoundingTests: XCTestCase {
    /// The fast FP16 rounding the forward pass uses gives MiniFloat.fp16's bits on every FP32
    /// pattern class: normals, subnormals, ties, overflow, infinities and signed zeros.
    func testHalfRoundingMatchesMiniFloat() {
        var generator = SeededGenerator(seed: 3)
        var values: [Float] = [0, -0, 65504, 65519.99, 65520, 1e6, -1e6, .infinity, -.infinity, 5.960464e-8, 2.980232e-8, 2.9802326e-8, 1e-9, 6.1035156e-5, 1 + 0x1p-11, 1 + 0x1p-10 + 0x1p-11]
        for _ in 0..<200_000 { values.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next())) ) }
        values = values.filter { !$0.isNaN }
        var rounded = values
        ModelNumerics.roundToHalf(&rounded)
        for (value, result) in zip(values, rounded) {
            XCTAssertEqual(result.bitPattern, MiniFloat.fp16.decode(MiniFloat.fp16.encode(value)).bitPattern, "\(value)")
        }
    }
}
