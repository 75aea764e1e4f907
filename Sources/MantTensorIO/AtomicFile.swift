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
            // rename(2) replaces an existing file atomically (FileManager.replaceItemAt fails on Linux there).
            guard rename(temporary.path, target.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw TensorFileError(path: path, field: "file", message: "cannot be written (\(error.localizedDescription))")
        }
    }
}
