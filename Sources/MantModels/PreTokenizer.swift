import Foundation

/// How text is cut into words before BPE merges run inside each word. The steps apply in order,
/// each to every piece the previous one produced (Hugging Face's `Sequence` of pre-tokenizers).
public struct PreTokenizer: Sendable {
    public enum Step: Sendable {
        /// Every match of the pattern is a piece, and so is every gap between matches
        /// (Hugging Face's `Split` with behaviour `Isolated`).
        case split(pattern: String)
        /// Every decimal digit (`\p{N}`) on its own (Hugging Face's `Digits(individual_digits=True)`).
        case individualDigits
        /// Spaces become "▁" and, when `prefix` is set, a "▁" goes before the text (SentencePiece's
        /// convention, Hugging Face's `Metaspace` or LLaMA-2's normalizer).
        case metaspace(prefix: Bool)
    }

    public let steps: [Step]
    private let expressions: [NSRegularExpression?]

    /// GPT-2's word pattern (byte-level BPE in GPT-2, SmolLM and most models since).
    public static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    /// LLaMA-3's word pattern (numbers in runs of at most three digits).
    public static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    public init(steps: [Step]) throws {
        self.steps = steps
        expressions = try steps.map { step in
            guard case .split(let pattern) = step else { return nil }
            do {
                return try NSRegularExpression(pattern: PreTokenizer.unicodeWhitespace(pattern))
            } catch {
                throw TokenizerError(source: "pre-tokenizer", field: "pattern", message: "'\(pattern)' is not a regular expression this platform reads (\(error))")
            }
        }
    }

    /// Oniguruma and Rust's regex (what the reference tokenizers use) take `\s` as Unicode's
    /// White_Space property; ICU's `\s` leaves out U+000B and U+0085. Spelled out, both agree.
    static func unicodeWhitespace(_ pattern: String) -> String {
        var result = ""
        var escaped = false
        for character in pattern {
            if escaped {
                switch character {
                case "s": result += #"\p{White_Space}"#
                case "S": result += #"\P{White_Space}"#
                default: result += "\\" + String(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        return escaped ? result + "\\" : result
    }

    /// Whether a "▁" goes before the text (SentencePiece-style), which decoding takes off again.
    public var prefixesSpace: Bool {
        steps.contains { if case .metaspace(prefix: true) = $0 { return true } else { return false } }
    }

    public func pieces(_ text: String) -> [String] {
        var pieces = [text]
        for (step, expression) in zip(steps, expressions) {
            pieces = pieces.flatMap { piece -> [String] in
                switch step {
                case .split: return PreTokenizer.split(piece, by: expression!)
                case .individualDigits: return PreTokenizer.splitDigits(piece)
                case .metaspace(let prefix): return [(prefix ? "▁" : "") + piece.replacingOccurrences(of: " ", with: "▁")]
                }
            }
        }
        return pieces.filter { !$0.isEmpty }
    }

    static func split(_ text: String, by expression: NSRegularExpression) -> [String] {
        let string = text as NSString
        var pieces = [String]()
        var last = 0
        for match in expression.matches(in: text, range: NSRange(location: 0, length: string.length)) where match.range.length > 0 {
            if match.range.location > last { pieces.append(string.substring(with: NSRange(location: last, length: match.range.location - last))) }
            pieces.append(string.substring(with: match.range))
            last = match.range.location + match.range.length
        }
        if last < string.length { pieces.append(string.substring(from: last)) }
        return pieces
    }

    static func splitDigits(_ text: String) -> [String] {
        var pieces = [String]()
        var current = ""
        for scalar in text.unicodeScalars {
            if PreTokenizer.isNumeric(scalar) {
                if !current.isEmpty { pieces.append(current); current = "" }
                pieces.append(String(scalar))
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// Unicode's N categories (Nd, Nl, No): what `\p{N}` and Rust's `char::is_numeric` take.
    static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
