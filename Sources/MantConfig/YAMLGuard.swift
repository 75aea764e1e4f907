import Yams

/// Limits a config file meets before it becomes a tree, so that no input can exhaust the stack,
/// the memory or the clock: at most 1 MiB of text, nesting at most `maxDepth` deep (estimated from
/// the text before the parser recurses: indentation columns, sequence dashes and open brackets),
/// at most `maxNodes` nodes once aliases are expanded (a "billion laughs" file is refused after
/// counting that many, not after building them), keys that are text and none twice in one mapping.
public enum YAMLGuard {
    public static let maxBytes = 1 << 20, maxDepth = 256, maxNodes = 100_000

    /// Every problem with `text`, empty when it is safe to load.
    public static func problems(_ text: String) -> [String] {
        if text.utf8.count > maxBytes { return ["YAML: \(text.utf8.count) bytes; config files here are at most \(maxBytes) (1 MiB)"] }
        if let line = lineTooDeep(text) {
            return ["YAML: line \(line) nests deeper than \(maxDepth) levels (indentation, '- ' and brackets counted)"]
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { return ["YAML: \(error)"] }
        guard let root else { return [] }
        var problems = [String](), count = 0
        walk(root, count: &count, problems: &problems)
        if count > maxNodes { return ["YAML: expands to more than \(maxNodes) values (aliases repeating aliases?); config files need far fewer"] }
        return problems
    }

    /// The first line whose nesting estimate passes the limit: its indentation plus its leading
    /// sequence dashes plus the brackets open at it (outside quotes and comments).
    private static func lineTooDeep(_ text: String) -> Int? {
        var flow = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let characters = Array(line.utf8)
            var position = 0
            while position < characters.count, characters[position] == UInt8(ascii: " ") { position += 1 }
            var depth = position
            while position + 1 < characters.count, characters[position] == UInt8(ascii: "-") || characters[position] == UInt8(ascii: "?"),
                  characters[position + 1] == UInt8(ascii: " ") {
                depth += 1
                position += 2
            }
            var quote: UInt8?
            var previous = UInt8(ascii: " ")
            while position < characters.count {
                let c = characters[position]
                if let open = quote {
                    if c == open && !(open == UInt8(ascii: "\"") && previous == UInt8(ascii: "\\")) { quote = nil }
                } else if c == UInt8(ascii: "#") && (previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t")) {
                    break
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    quote = c
                } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
                    flow += 1
                    if depth + flow > maxDepth { return index + 1 }
                } else if c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                    flow = max(0, flow - 1)
                }
                previous = c
                position += 1
            }
            if depth + flow > maxDepth { return index + 1 }
        }
        return nil
    }

    /// Counts nodes (stopping past the limit) and notes keys given twice in a mapping.
    private static func walk(_ node: Node, count: inout Int, problems: inout [String]) {
        count += 1
        guard count <= maxNodes else { return }
        switch node {
        case .scalar: break
        case .sequence(let sequence):
            for item in sequence {
                walk(item, count: &count, problems: &problems)
                if count > maxNodes { return }
            }
        case .mapping(let mapping):
            var seen = Set<String>()
            for (key, value) in mapping {
                // The loader takes text keys only (and would trap on others); merge keys are not read.
                guard case .scalar = key, key.string != "<<" else {
                    problems.append("YAML: line \(key.mark?.line ?? mapping.mark?.line ?? 0): keys must be plain text (no sequences, mappings or '<<' merges)")
                    continue
                }
                if let name = key.string, !seen.insert(name).inserted {
                    problems.append("YAML: line \(key.mark?.line ?? 0): key '\(name)' appears twice in one mapping")
                }
                walk(key, count: &count, problems: &problems)
                walk(value, count: &count, problems: &problems)
                if count > maxNodes { return }
            }
        }
    }
}
