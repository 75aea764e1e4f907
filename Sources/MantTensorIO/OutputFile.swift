import Foundation

/// The one way MantSim writes an output file (tensors, .mqt, VCD, SVG, JSON, CSV): whole or not
/// at all, and never over anything but a regular file.
///
/// - `check(_:)` before any work: the folder exists and is writable, and the path names a regular
///   file or nothing (a symlink, device, folder or FIFO is refused, never replaced).
/// - `temporary(for:)` makes a unique file (O_EXCL, a random name) in the target's folder,
///   registered before it exists, so that SIGINT, SIGTERM, SIGHUP or SIGQUIT removes it before the process ends.
/// - `commit(_:to:)` flushes it to disk (fsync), checks the target again and renames it over the
///   target (atomic on one file system); any failure removes the temporary and names the path.
public enum OutputFile {
    public static func write(_ data: Data, to path: String) throws {
        try check(path)
        let temporary = try OutputFile.temporary(for: path)
        do {
            try writeAll(data, to: temporary)
            try commit(temporary, to: path)
        } catch {
            discard(temporary)
            throw error
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// Throws unless `path` can be written: its folder exists and is writable, and it is a regular
    /// file or does not exist.
    public static func check(_ path: String) throws {
        guard !path.isEmpty else { throw TensorFileError(path: path, field: "file", message: "an empty path names no file") }
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw TensorFileError(path: path, field: "file", message: "is not a regular file (\(kind(status.st_mode))); refusing to replace it")
            }
        } else if errno != ENOENT {
            throw TensorFileError(path: path, field: "file", message: "cannot be examined (\(String(cString: strerror(errno))))")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw TensorFileError(path: path, field: "file", message: "its folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else {
            throw TensorFileError(path: path, field: "file", message: "its folder \(folder) is not writable")
        }
    }

    /// `check`, and refuses an output that is the same file as one of `inputs` (same device and
    /// inode, through links and other names): writing it would replace what is being read.
    public static func check(_ path: String, notOverwriting inputs: [String]) throws {
        try check(path)
        var output = stat()
        guard stat(path, &output) == 0 else { return }
        for input in inputs {
            var status = stat()
            if stat(input, &status) == 0, status.st_dev == output.st_dev, status.st_ino == output.st_ino {
                throw TensorFileError(path: path, field: "file", message: "is the input \(input) itself; writing it would replace what is read")
            }
        }
    }

    /// A fresh file beside `path`, removed on SIGINT, SIGTERM, SIGHUP or SIGQUIT until committed or discarded. Its
    /// name is registered before the file exists (O_CREAT | O_EXCL), so a signal at any moment
    /// finds it; the mode is 0666 less the umask, as the final file's.
    public static func temporary(for path: String) throws -> String {
        let target = URL(fileURLWithPath: path)
        let folder = target.deletingLastPathComponent()
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let suffix = String((0..<8).map { _ in letters[Int(generator.next() % UInt64(letters.count))] })
            let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).partial-\(suffix)").path
            PendingFiles.shared.add(temporary)
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o666)
            if descriptor >= 0 {
                close(descriptor)
                return temporary
            }
            let reason = errno
            PendingFiles.shared.remove(temporary)
            guard reason == EEXIST else {
                throw TensorFileError(path: path, field: "file", message: "cannot be written (\(String(cString: strerror(reason))))")
            }
        }
        throw TensorFileError(path: path, field: "file", message: "cannot be written (no free temporary name beside it)")
    }

    /// Flushes `temporary` to disk and renames it over `path`; removes it on any failure.
    public static func commit(_ temporary: String, to path: String) throws {
        do {
            try check(path)
            let descriptor = open(temporary, O_RDONLY)
            guard descriptor >= 0, fsync(descriptor) == 0 else {
                let reason = String(cString: strerror(errno))
                if descriptor >= 0 { close(descriptor) }
                throw TensorFileError(path: path, field: "file", message: "cannot be written (\(reason))")
            }
            close(descriptor)
            guard rename(temporary, path) == 0 else {
                throw TensorFileError(path: path, field: "file", message: "cannot be written (\(String(cString: strerror(errno))))")
            }
            PendingFiles.shared.remove(temporary)
        } catch {
            discard(temporary)
            throw error
        }
    }

    public static func discard(_ temporary: String) {
        unlink(temporary)
        PendingFiles.shared.remove(temporary)
    }

    private static func writeAll(_ data: Data, to temporary: String) throws {
        let descriptor = open(temporary, O_WRONLY | O_TRUNC)
        guard descriptor >= 0 else { throw TensorFileError(path: temporary, field: "file", message: "cannot be written (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw TensorFileError(path: temporary, field: "file", message: "cannot be written (\(String(cString: strerror(errno))))")
                }
                offset += written
            }
        }
    }

    /// What a file that is not a regular one is, in words ("a FIFO", "a device", ...).
    public static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return "a folder"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        default: return "not a plain file"
        }
    }
}

/// Temporary output files in flight, removed by a SIGINT, SIGTERM, SIGHUP or SIGQUIT handler before the process
/// ends with the signal's usual status. The handler reads fixed C buffers only (unlink is
/// async-signal-safe).
final class PendingFiles: @unchecked Sendable {
    static let shared = PendingFiles()
    static let slots = 16, length = 4096
    private let paths: UnsafeMutablePointer<CChar>
    private let lock = NSLock()

    private init() {
        paths = UnsafeMutablePointer<CChar>.allocate(capacity: PendingFiles.slots * PendingFiles.length)
        paths.initialize(repeating: 0, count: PendingFiles.slots * PendingFiles.length)
        pendingPaths = paths
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                if let paths = pendingPaths {
                    for slot in 0..<PendingFiles.slots where paths[slot * PendingFiles.length] != 0 { unlink(paths + slot * PendingFiles.length) }
                }
                Foundation.signal(number, SIG_DFL)
                raise(number)
            }
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
    }

    func add(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        let bytes = Array(path.utf8CString)
        guard bytes.count <= PendingFiles.length else { return }
        for slot in 0..<PendingFiles.slots where paths[slot * PendingFiles.length] == 0 {
            let start = paths + slot * PendingFiles.length
            // The first byte last, so that the handler never sees half a path.
            for index in stride(from: bytes.count - 1, through: 1, by: -1) { start[index] = bytes[index] }
            start[0] = bytes[0]
            return
        }
    }

    func remove(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        for slot in 0..<PendingFiles.slots where String(cString: paths + slot * PendingFiles.length) == path {
            paths[slot * PendingFiles.length] = 0
        }
    }
}

nonisolated(unsafe) private var pendingPaths: UnsafeMutablePointer<CChar>?
