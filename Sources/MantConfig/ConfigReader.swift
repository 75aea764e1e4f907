import Foundation
import MantWorkload
import Yams

/// Every problem found in one config file.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problems: [String]

    public init(path: String, problems: [String]) {
        self.path = path
        self.problems = problems
    }

    /// Problems shown at once; the rest are counted.
    public static let shownProblems = 20

    public var description: String {
        let shown = problems.prefix(ConfigError.shownProblems).map { "\(path): \($0)" }
        let rest = problems.count - shown.count
        return (shown + (rest > 0 ? ["\(path): and \(rest) more problem\(rest == 1 ? "" : "s")"] : [])).joined(separator: "\n")
    }
}

/// Typed reads from a YAML tree that note every problem instead of stopping at the first.
struct ConfigReader {
    let path: String
    private(set) var problems: [String] = []

    init(path: String) { self.path = path }

    mutating func problem(_ message: String) { problems.append(message) }

    func failure() -> ConfigError { ConfigError(path: path, problems: problems) }

    /// A config file's text, or an error naming it.
    static func text(of path: String) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ConfigError(path: path, problems: ["file: does not exist"])
        }
        if isFolder.boolValue { throw ConfigError(path: path, problems: ["file: is a folder, not a config file"]) }
        let data: Data
        do { data = try BoundedFile.read(path, limit: YAMLGuard.maxBytes) } catch { throw ConfigError(path: path, problems: ["file: \(error)"]) }
        guard let text = String(data: data, encoding: .utf8), !text.contains("\0") else {
            throw ConfigError(path: path, problems: ["file: is not UTF-8 text (a YAML config was expected)"])
        }
        return text
    }

    /// The YAML document's top-level mapping, or an error naming the file.
    mutating func topMapping(_ text: String) throws -> [String: Any] {
        let unsafe = YAMLGuard.problems(text)
        if !unsafe.isEmpty { throw ConfigError(path: path, problems: unsafe) }
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw ConfigError(path: path, problems: ["YAML: \(error)"])
        }
        guard let top = mapping(root, at: "") else { throw failure() }
        return top
    }

    func finish() throws {
        if !problems.isEmpty { throw failure() }
    }

    private func label(_ component: String, _ key: String) -> String {
        component.isEmpty ? key : "\(component).\(key)"
    }

    mutating func mapping(_ value: Any?, at component: String) -> [String: Any]? {
        guard let value else {
            problem("\(component.isEmpty ? "file" : component): missing (expected a mapping)")
            return nil
        }
        guard let mapping = value as? [String: Any] else {
            problem("\(component.isEmpty ? "file" : component): expected a mapping of keys to values")
            return nil
        }
        return mapping
    }

    mutating func allow(_ mapping: [String: Any], keys: [String], at component: String) {
        for key in mapping.keys.sorted() where !keys.contains(key) {
            problem("\(label(component, key)): unknown key (expected one of \(keys.joined(separator: ", ")))")
        }
    }

    mutating func string(_ mapping: [String: Any], _ key: String, at component: String) -> String? {
        guard let value = mapping[key] else { problem("\(label(component, key)): missing"); return nil }
        guard let text = value as? String else { problem("\(label(component, key)): expected text, got \(value)"); return nil }
        return text
    }

    mutating func integer(_ mapping: [String: Any], _ key: String, at component: String, range: ClosedRange<Int>,
                          required: Bool = true) -> Int? {
        guard let value = mapping[key] else {
            if required { problem("\(label(component, key)): missing") }
            return nil
        }
        guard let number = value as? Int, range.contains(number) else {
            let shown = value is String ? "\"\(value)\" (text: write the number without quotes)" : "\(value)"
            problem("\(label(component, key)): expected a whole number in \(range.lowerBound)...\(range.upperBound), got \(shown)")
            return nil
        }
        return number
    }

    /// Numbers in config files stay within 1e-9 ... 1e9 (energies in pJ, areas in um^2, clocks in
    /// MHz): far wider than any real figure, narrow enough that sums and products stay finite.
    static let numberRange: ClosedRange<Double> = 1e-9...1e9

    mutating func number(_ mapping: [String: Any], _ key: String, at component: String, positive: Bool,
                         range: ClosedRange<Double> = ConfigReader.numberRange) -> Double? {
        guard let value = mapping[key] else { problem("\(label(component, key)): missing"); return nil }
        let number = (value as? Double) ?? (value as? Int).map(Double.init)
        guard let number, number.isFinite, !positive || number > 0, number == 0 || range.contains(abs(number)) else {
            problem("\(label(component, key)): expected a \(positive ? "positive " : "")number from \(range.lowerBound) to \(range.upperBound), got \(value)")
            return nil
        }
        return number
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ mapping: [String: Any], _ key: String, at component: String,
                                                              _ type: T.Type, default fallback: T? = nil) -> T? where T.RawValue == String {
        guard let value = mapping[key] else {
            if fallback == nil { problem("\(label(component, key)): missing") }
            return fallback
        }
        guard let text = value as? String, let choice = T(rawValue: text) else {
            problem("\(label(component, key)): expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \(value)")
            return nil
        }
        return choice
    }
}
