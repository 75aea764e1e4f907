import Foundation

/// Writes a whole file or nothing: the bytes go to a temporary file beside the target, which is
/// renamed over it only once complete.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: temporary)
            if FileManager.default.fileExists(atPath: target.path) {
                _ = try FileManager.default.replaceItemAt(target, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: target)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw TensorFileError(path: path, field: "file", message: "cannot be written (\(error.localizedDescription))")
        }
    }
}
