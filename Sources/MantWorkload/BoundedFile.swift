import Foundation

/// Reads small input files (configs, tables, specs, topology files) without trusting them: a file
/// above the limit is refused from its size before any byte is read, at most limit + 1 bytes are
/// read (a file that grows, or a special file that lies about its size), and only regular files
/// are opened (a FIFO would block the read).
public enum BoundedFile {
    /// 1 MiB: the most any config, table, spec or topology file may hold.
    public static let configLimit = 1 << 20

    /// Why a file was not read, in words that follow "path: file: ".
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public static func read(_ path: String, limit: Int = configLimit) throws -> Data {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw Problem(description: errno == ENOENT ? "does not exist" : "cannot be examined (\(String(cString: strerror(errno))))")
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw Problem(description: "is a folder, not a file")
        default: throw Problem(description: "is not a regular file (a FIFO, device or socket)")
        }
        let most = "a file of this kind holds at most \(limit) bytes" + (limit >= 1 << 20 ? " (\(limit >> 20) MiB)" : "")
        if Int(status.st_size) > limit { throw Problem(description: "\(status.st_size) bytes; \(most)") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Problem(description: "cannot be read (permissions?)") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch { throw Problem(description: "cannot be read (\(error))") }
        if data.count > limit { throw Problem(description: "more than \(limit) bytes; \(most)") }
        return data
    }
}
