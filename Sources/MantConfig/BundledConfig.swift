import Foundation

/// Where bundled configs are looked for: the working directory, the folders above the executable
/// (a build inside the checkout), then the source tree this library was built from.
public enum ConfigFolders {
    public static var roots: [URL] {
        var result = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            result.append(folder)
            folder = folder.deletingLastPathComponent()
        }
        result.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent())
        return result
    }
}

/// A bundled config that is not there, or a path that does not exist.
public struct BundledConfigError: Error, CustomStringConvertible {
    public let description: String
}

/// Finds bundled configs by short name (`mant`, `llama-2-7b`, `28nm`) or takes a path as it is.
public enum BundledConfig {
    public enum Kind: String, Sendable {
        case arch, model = "models", energy, formats

        public var fileExtension: String { self == .model ? "json" : "yaml" }
    }

    /// The architectures a comparison runs by default: one per family of weight format, baselines
    /// first, in the order of the report's table. A new format's array joins it here when it should
    /// be compared unasked (`compare`, `perplexity --archs` and `make bench` use it).
    public static let comparison = ["fp16", "int8", "int4", "ant", "olive", "mxfp4", "lut", "vq", "mant"]

    public static func path(_ name: String, kind: Kind) throws -> String {
        let manager = FileManager.default
        if name.contains("/") || name.hasSuffix(".\(kind.fileExtension)") {
            guard manager.fileExists(atPath: name) else { throw BundledConfigError(description: "\(name): no such file") }
            return name
        }
        for root in ConfigFolders.roots {
            let candidate = root.appendingPathComponent("Configs/\(kind.rawValue)/\(name).\(kind.fileExtension)").path
            if manager.fileExists(atPath: candidate) { return candidate }
        }
        let known = names(kind)
        throw BundledConfigError(description: "'\(name)' is neither a file nor a bundled \(kind == .model ? "model" : kind.rawValue) config"
            + (known.isEmpty ? "" : " (bundled: \(known.joined(separator: ", ")))"))
    }

    /// The bundled configs of a kind, by short name, sorted.
    public static func names(_ kind: Kind) -> [String] {
        for root in ConfigFolders.roots {
            let folder = root.appendingPathComponent("Configs/\(kind.rawValue)")
            if let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) {
                return files.filter { $0.hasSuffix(".\(kind.fileExtension)") }.map { String($0.dropLast(kind.fileExtension.count + 1)) }.sorted()
            }
        }
        return []
    }
}
