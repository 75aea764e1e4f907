import Foundation
import GRDB
import MantModels

/// Perplexities already computed, in one small SQLite file, so that reports stay fast: each result
/// is keyed by the model's digest, the token ids' digest, the window and the numerics (formats,
/// rounding, cache scheme and `ModelNumerics.version`). A file that is not a sound cache (not
/// SQLite, corrupted, another schema) is set aside with a warning and a new one started; a row
/// whose numbers are impossible is dropped, never returned.
public final class PerplexityCache {
    public static let schemaVersion = 1
    /// PRAGMA application_id: "MPPL".
    public static let applicationID: Int32 = 0x4D50_504C

    public let path: String
    let queue: DatabaseQueue

    /// `$XDG_CACHE_HOME/mantsim/perplexity.sqlite`, or `~/.cache/mantsim/perplexity.sqlite`.
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return base + "/mantsim/perplexity.sqlite"
    }

    /// Opens (creating the folder and file when missing) the cache at `path`; `warn` hears of a
    /// file set aside.
    public init(path: String = PerplexityCache.defaultPath, warn: (String) -> Void) throws {
        self.path = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let queue = try? PerplexityCache.open(path) {
            self.queue = queue
            return
        }
        let aside = path + ".corrupt-\(Int(Date().timeIntervalSince1970))"
        try? FileManager.default.removeItem(atPath: aside)
        do {
            try FileManager.default.moveItem(atPath: path, toPath: aside)
        } catch {
            throw PerplexityCacheError("\(path): not a usable perplexity cache and it could not be moved aside (\(error.localizedDescription)); remove it or pass --no-cache")
        }
        warn("\(path): not a usable perplexity cache; moved to \(aside) and started anew")
        do {
            queue = try PerplexityCache.open(path)
        } catch {
            throw PerplexityCacheError("\(path): cannot be created (\(error)); pass --no-cache")
        }
    }

    private static func open(_ path: String) throws -> DatabaseQueue {
        if FileManager.default.fileExists(atPath: path) {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw PerplexityCacheError("unreadable") }
            let header = handle.readData(ofLength: 16)
            try? handle.close()
            guard header.isEmpty || header == Data("SQLite format 3\0".utf8) else { throw PerplexityCacheError("not SQLite") }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        // Exclusive, so that processes opening a new cache at once create it once.
        try queue.inTransaction(.exclusive) { db in
            guard try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok" else { throw PerplexityCacheError("corrupted") }
            let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            if application == 0 && version == 0 && objects == 0 {
                try db.execute(sql: """
                    PRAGMA application_id = \(applicationID);
                    PRAGMA user_version = \(schemaVersion);
                    CREATE TABLE results (key TEXT PRIMARY KEY, model TEXT NOT NULL, settings TEXT NOT NULL, context INTEGER NOT NULL,
                        tokens INTEGER NOT NULL, windows INTEGER NOT NULL, predictions INTEGER NOT NULL,
                        negative_log_likelihood REAL NOT NULL, created TEXT NOT NULL);
                    """)
            } else if application != applicationID || version != schemaVersion {
                throw PerplexityCacheError("another program's database or schema")
            }
            return .commit
        }
        return queue
    }

    /// The cached result, or nil; an impossible row is deleted.
    public func lookup(_ key: String) -> Perplexity? {
        try? queue.inDatabase { db -> Perplexity? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM results WHERE key = ?", arguments: [key]) else { return nil }
            // A value of the wrong type reads as nil (and the row is deleted), never a trap.
            func value<T: DatabaseValueConvertible>(_ column: String) -> T? { (try? row.decode(T?.self, forColumn: column)) ?? nil }
            let context: Int? = value("context"), tokens: Int? = value("tokens"), windows: Int? = value("windows"), predictions: Int? = value("predictions")
            let loss: Double? = value("negative_log_likelihood")
            guard let context, let tokens, let windows, let predictions, let loss, context >= 2, tokens >= 2, windows >= 1,
                  predictions >= 1, predictions < tokens, loss.isFinite, loss >= 0 else {
                try db.execute(sql: "DELETE FROM results WHERE key = ?", arguments: [key])
                return nil
            }
            return Perplexity(context: context, tokens: tokens, windows: windows, predictions: predictions, negativeLogLikelihood: loss)
        } ?? nil
    }

    public func store(_ result: Perplexity, key: String, model: String, settings: String) throws {
        try queue.inDatabase { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO results (key, model, settings, context, tokens, windows, predictions, negative_log_likelihood, created)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key, model, settings, result.context, result.tokens, result.windows, result.predictions,
                                 result.negativeLogLikelihood, ISO8601DateFormatter().string(from: Date())])
        }
    }
}

public struct PerplexityCacheError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
