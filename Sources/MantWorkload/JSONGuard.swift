import Foundation

/// Limits a JSON config meets before JSONSerialization reads it (which would recurse without a
/// bound and keep the last of two equal keys): at most 1 MiB (or `maxBytes`), nesting at most 256
/// deep, no key twice in one object. Returns every problem, empty when it is safe to read.
public enum JSONGuard {
    public static let maxBytes = 1 << 20, maxDepth = 256

    public static func problems(_ data: Data, maxBytes: Int = JSONGuard.maxBytes) -> [String] {
        if data.count > maxBytes { return ["file: \(data.count) bytes; files of this kind are at most \(maxBytes) (\(maxBytes >> 20) MiB)"] }
        var problems = [String]()
        // Per open container: whether it is an object, the keys seen, and whether the next string is a key.
        var stack = [(object: Bool, keys: Set<String>, expectingKey: Bool)]()
        let bytes = [UInt8](data)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append((byte == UInt8(ascii: "{"), [], byte == UInt8(ascii: "{")))
                if stack.count > maxDepth { return ["file: nests deeper than \(maxDepth) levels"] }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","):
                if !stack.isEmpty, stack[stack.count - 1].object { stack[stack.count - 1].expectingKey = true }
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                let text = String(decoding: bytes[(index + 1)..<min(end, bytes.count)], as: UTF8.self)
                if !stack.isEmpty, stack[stack.count - 1].object, stack[stack.count - 1].expectingKey {
                    if !stack[stack.count - 1].keys.insert(text).inserted { problems.append("\(text): appears twice in one object") }
                    stack[stack.count - 1].expectingKey = false
                }
                index = end
            default: break
            }
            index += 1
        }
        return problems
    }
}
