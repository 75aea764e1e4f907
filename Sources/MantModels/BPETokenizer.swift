import Foundation

/// A tokenizer could not be built or used: names where its data came from and the field at fault.
public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let field: String
    public let message: String
    public var description: String { "\(source): \(field): \(message)" }
}

/// Byte-pair encoding over a vocabulary and ranked merges, in either of its two spellings:
/// - byte-level (GPT-2, SmolLM, LLaMA-3): every UTF-8 byte is first mapped to a printable
///   character (GPT-2's `bytes_to_unicode`), so any text encodes and decodes exactly;
/// - character-level with byte fallback (SentencePiece-style BPE, LLaMA-2's `tokenizer.json`):
///   characters missing from the vocabulary become `<0xNN>` byte tokens.
/// Special (control) tokens are matched whole in the text before anything else runs.
public final class BPETokenizer: @unchecked Sendable {
    public enum Alphabet: Sendable { case byteLevel, characters }

    public let vocabulary: [String]
    public let alphabet: Alphabet
    public let preTokenizer: PreTokenizer
    /// Token ids matched literally in the text, longest first.
    public let specialTokens: [(text: String, id: Int)]
    /// When set, a word found whole in the vocabulary is one token without merging (LLaMA-3).
    public let ignoreMerges: Bool

    private let ids: [String: Int]
    /// (left id, right id) -> (rank, merged id).
    private let merges: [UInt64: (rank: Int32, id: Int32)]
    /// Byte-level: each byte's token, nil where the vocabulary lacks it (such bytes are dropped,
    /// as Hugging Face's BPE does without an unknown token). Characters: the `<0xNN>` fallback.
    private let byteTokens: [Int?]
    private var cache = [String: [Int]]()
    private let lock = NSLock()

    public init(vocabulary: [String], merges: [(String, String)], alphabet: Alphabet, preTokenizer: PreTokenizer,
                specialTokens special: [Int] = [], ignoreMerges: Bool = false, source: String) throws {
        self.vocabulary = vocabulary
        self.alphabet = alphabet
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
        var ids = [String: Int](minimumCapacity: vocabulary.count)
        for (id, token) in vocabulary.enumerated() where ids[token] == nil { ids[token] = id }
        self.ids = ids
        var table = [UInt64: (rank: Int32, id: Int32)](minimumCapacity: merges.count)
        for (rank, merge) in merges.enumerated() {
            guard let left = ids[merge.0], let right = ids[merge.1], let merged = ids[merge.0 + merge.1] else {
                throw TokenizerError(source: source, field: "merges[\(rank)]",
                                     message: "'\(merge.0) \(merge.1)' names a token missing from the vocabulary")
            }
            let key = BPETokenizer.key(left, right)
            if table[key] == nil { table[key] = (Int32(rank), Int32(merged)) }
        }
        self.merges = table
        specialTokens = special.filter { vocabulary.indices.contains($0) && !vocabulary[$0].isEmpty }
            .map { (text: vocabulary[$0], id: $0) }.sorted { $0.text.count > $1.text.count }
        switch alphabet {
        case .byteLevel:
            byteTokens = BPETokenizer.byteCharacters.map { ids[String($0)] }
        case .characters:
            byteTokens = (0..<256).map { ids[String(format: "<0x%02X>", $0)] }
        }
    }

    @inline(__always) static func key(_ left: Int, _ right: Int) -> UInt64 { UInt64(UInt32(left)) << 32 | UInt64(UInt32(right)) }

    /// GPT-2's `bytes_to_unicode`: printable Latin-1 bytes stand for themselves, the other 68
    /// bytes take the characters from U+0100 on, in byte order.
    public static let byteCharacters: [Character] = {
        var characters = [Character](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                characters[byte] = Character(Unicode.Scalar(UInt32(byte))!)
            } else {
                characters[byte] = Character(Unicode.Scalar(next)!)
                next += 1
            }
        }
        return characters
    }()

    static let scalarBytes: [Unicode.Scalar: UInt8] = Dictionary(uniqueKeysWithValues: byteCharacters.enumerated().map { ($0.element.unicodeScalars.first!, UInt8($0.offset)) })

    // MARK: Encoding

    public func encode(_ text: String) -> [Int] {
        var output = [Int]()
        for (segment, special) in segments(text) {
            if let special { output.append(special); continue }
            for piece in preTokenizer.pieces(segment) { output += encodeWord(piece) }
        }
        return output
    }

    /// The text cut around special tokens: (text, nil) pieces and ("", id) tokens.
    private func segments(_ text: String) -> [(String, Int?)] {
        guard !specialTokens.isEmpty else { return [(text, nil)] }
        var result = [(String, Int?)]()
        var rest = Substring(text)
        while !rest.isEmpty {
            var earliest: (range: Range<Substring.Index>, id: Int)?
            for (token, id) in specialTokens {
                if let range = rest.range(of: token), earliest == nil || range.lowerBound < earliest!.range.lowerBound {
                    earliest = (range, id)
                }
            }
            guard let found = earliest else { result.append((String(rest), nil)); break }
            if found.range.lowerBound > rest.startIndex { result.append((String(rest[..<found.range.lowerBound]), nil)) }
            result.append(("", found.id))
            rest = rest[found.range.upperBound...]
        }
        return result
    }

    private func encodeWord(_ word: String) -> [Int] {
        lock.lock()
        if let cached = cache[word] { lock.unlock(); return cached }
        lock.unlock()
        let tokens: [Int]
        if ignoreMerges, let whole = ids[alphabet == .byteLevel ? BPETokenizer.byteLevel(word) : word] {
            tokens = [whole]
        } else {
            tokens = merge(initialSymbols(word))
        }
        lock.lock()
        if cache.count < 1 << 16 { cache[word] = tokens }
        lock.unlock()
        return tokens
    }

    static func byteLevel(_ word: String) -> String { String(word.utf8.map { byteCharacters[Int($0)] }) }

    private func initialSymbols(_ word: String) -> [Int] {
        switch alphabet {
        case .byteLevel:
            return word.utf8.compactMap { byteTokens[Int($0)] }
        case .characters:
            // By Unicode scalar, not by Character: "\r\n" or e + U+0301 is one Character but two symbols.
            var symbols = [Int]()
            for scalar in word.unicodeScalars {
                if let id = ids[String(scalar)] {
                    symbols.append(id)
                } else {
                    symbols += String(scalar).utf8.compactMap { byteTokens[Int($0)] }
                }
            }
            return symbols
        }
    }

    /// Applies merges lowest rank first, the leftmost pair first among equal ranks, over a linked
    /// list of symbols with a heap of candidate pairs: O(n log n) in the word's length.
    private func merge(_ symbols: [Int]) -> [Int] {
        guard symbols.count > 1 else { return symbols }
        var token = symbols
        var next = Array(1...symbols.count)
        var previous = Array(-1..<(symbols.count - 1))
        var alive = [Bool](repeating: true, count: symbols.count)
        var heap = PairHeap()
        func push(_ left: Int) {
            let right = next[left]
            guard right < token.count, let merge = merges[BPETokenizer.key(token[left], token[right])] else { return }
            heap.push(Candidate(rank: merge.rank, position: Int32(left), left: Int32(token[left]), right: Int32(token[right])))
        }
        for position in 0..<(symbols.count - 1) { push(position) }
        while let candidate = heap.pop() {
            let left = Int(candidate.position)
            let right = next[left]
            // Stale: one of the two symbols changed since the pair was queued.
            guard alive[left], right < token.count, token[left] == Int(candidate.left), token[right] == Int(candidate.right) else { continue }
            token[left] = Int(merges[BPETokenizer.key(token[left], token[right])]!.id)
            alive[right] = false
            next[left] = next[right]
            if next[right] < token.count { previous[next[right]] = left }
            if previous[left] >= 0 { push(previous[left]) }
            push(left)
        }
        var result = [Int]()
        var position = 0
        while position < token.count { result.append(token[position]); position = next[position] }
        return result
    }

    // MARK: Decoding

    public func decode(_ tokens: [Int]) -> String {
        let special = Set(specialTokens.map(\.id))
        var bytes = [UInt8]()
        for id in tokens where vocabulary.indices.contains(id) {
            let text = vocabulary[id]
            if special.contains(id) {
                bytes += Array(text.utf8)
            } else if alphabet == .byteLevel {
                for scalar in text.unicodeScalars {
                    if let byte = BPETokenizer.scalarBytes[scalar] { bytes.append(byte) } else { bytes += Array(String(scalar).utf8) }
                }
            } else if let byte = BPETokenizer.fallbackByte(text) {
                bytes.append(byte)
            } else {
                bytes += Array(text.replacingOccurrences(of: "▁", with: " ").utf8)
            }
        }
        // SentencePiece's convention: the "▁" put before the text is the tokenizer's, not the text's.
        if alphabet == .characters, bytes.first == 0x20, preTokenizer.prefixesSpace { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func fallbackByte(_ token: String) -> UInt8? {
        guard token.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">") else { return nil }
        return UInt8(token.dropFirst(3).prefix(2), radix: 16)
    }
}

/// A merge waiting in the heap: ordered by rank, then by position.
struct Candidate {
    let rank: Int32
    let position: Int32
    let left: Int32
    let right: Int32

    @inline(__always) func precedes(_ other: Candidate) -> Bool {
        rank != other.rank ? rank < other.rank : position < other.position
    }
}

/// A binary min-heap of merge candidates.
struct PairHeap {
    private var items = [Candidate]()

    mutating func push(_ item: Candidate) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Candidate? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < items.count, items[left].precedes(items[best]) { best = left }
                if right < items.count, items[right].precedes(items[best]) { best = right }
                if best == parent { break }
                items.swapAt(parent, best)
                parent = best
            }
        }
        return top
    }
}
