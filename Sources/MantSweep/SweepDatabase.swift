import Foundation
import MantTensorIO
import GRDB
import MantConfig
import MantSimulation
import MantWorkload

/// A sweep's results in one SQLite file. Tables (schema 2):
///
/// - `runs`: one row per `mantsim sweep` that recorded points: spec, tool version, backend, chunk.
/// - `points`: one row per point and run: its inputs (architecture, workload settings with the PE area source, the
///   architecture fields the axes set as JSON), the key (`SweepPoint.key`), status `ok` or
///   `failed` with the error, the array and formats it ran, area and accuracy: weight and KV SQNR,
///   and (schema 2) the perplexity of a real model under the point's formats, the FP32 model's, and
///   what they were measured on, filled in once the point's formats are evaluated.
/// - `phase_results`: latency, tokens/s, energy, utilization and DRAM traffic per point and phase.
/// - `energy`: joules per point, phase and component; `area`: mm^2 per point and component.
/// - `operators`: per point and phase, each operator's shape, instances, cycles, MACs, traffic, energy.
/// - `timings`: wall-clock seconds per point (kept apart: the other tables are deterministic).
///
/// Each point is written in one transaction, so an interrupted sweep leaves whole rows only.
public final class SweepDatabase {
    public static let schemaVersion = 2
    /// PRAGMA application_id: "MANT", so that another program's SQLite file is recognised.
    public static let applicationID: Int32 = 0x4D41_4E54

    public let path: String
    let queue: DatabaseQueue

    /// Opens or creates a results database. Refuses, without writing, a file that is not SQLite,
    /// a corrupted one, another program's database, and one written by a newer schema.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        let exists = manager.fileExists(atPath: path, isDirectory: &isFolder)
        if isFolder.boolValue { throw SweepError("\(path): is a folder, not a results database") }
        // Only a regular file (through links) or a new path: opening a FIFO or a device would block or read garbage.
        var status = stat()
        if exists, stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            throw SweepError("\(path): is not a regular file (\(OutputFile.kind(status.st_mode))), not a results database")
        }
        if readOnly && !exists { throw SweepError("\(path): no such results database") }
        if exists, let handle = FileHandle(forReadingAtPath: path) {
            let header = handle.readData(ofLength: 16)
            try? handle.close()
            if !header.isEmpty && header != Data("SQLite format 3\0".utf8) {
                throw SweepError("\(path): not a SQLite database (corrupted, or another kind of file); it was left as it is")
            }
        } else if exists {
            throw SweepError("\(path): cannot be read (permissions?)")
        } else {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard manager.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw SweepError("\(path): the folder \(folder) does not exist")
            }
        }
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(30)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw SweepError("\(path): cannot be opened as a results database: \(SweepDatabase.message(error))")
        }
        do {
            try queue.inDatabase { db in
                let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? ""
                if check != "ok" { throw SweepError("\(path): corrupted (SQLite's quick_check: \(check)); it was left as it is") }
                let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                if application != SweepDatabase.applicationID {
                    if tables > 0 || application != 0 {
                        throw SweepError("\(path): a SQLite database, but not a MantSim results database; it was left as it is")
                    }
                    if readOnly { throw SweepError("\(path): an empty database, not a MantSim results database") }
                    try db.inTransaction {
                        try SweepDatabase.create(db)
                        return .commit
                    }
                } else if version > SweepDatabase.schemaVersion {
                    throw SweepError("\(path): written by a newer MantSim (results schema \(version); this one reads up to \(SweepDatabase.schemaVersion)); "
                        + "use that MantSim, or another --db; it was left as it is")
                } else if version < 1 {
                    throw SweepError("\(path): a MantSim results database without a schema version (an interrupted creation?); remove it or use another --db")
                } else if version == 1 && !readOnly {
                    // Schema 2 adds the perplexity columns; a schema-1 file read only reads them as missing.
                    try db.inTransaction {
                        try SweepDatabase.addPerplexityColumns(db)
                        try db.execute(sql: "PRAGMA user_version = 2")
                        return .commit
                    }
                }
            }
            // Points being run, claimed one at a time so that sweeps sharing a database share the
            // work (any schema; readers ignore it).
            if !readOnly {
                try queue.inDatabase { db in
                    try db.execute(sql: "CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, run_id INTEGER NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL)")
                }
            }
        } catch let error as SweepError {
            throw error
        } catch {
            throw SweepError("\(path): \(SweepDatabase.message(error)); it was left as it is")
        }
    }

    static func message(_ error: Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    private static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY, spec TEXT NOT NULL, spec_digest TEXT NOT NULL, tool_version TEXT NOT NULL,
                backend TEXT NOT NULL, chunk TEXT, started_at TEXT NOT NULL);
            CREATE TABLE points (
                id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id), point_index INTEGER NOT NULL,
                key TEXT NOT NULL, label TEXT NOT NULL, architecture TEXT NOT NULL, fields TEXT NOT NULL,
                model TEXT NOT NULL, phase TEXT NOT NULL, batch INTEGER NOT NULL, prompt INTEGER NOT NULL, tokens INTEGER NOT NULL,
                energy_table TEXT NOT NULL, pe_area TEXT NOT NULL, dram_standard TEXT, seed INTEGER NOT NULL, fidelity TEXT NOT NULL,
                tool_version TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), error TEXT,
                name TEXT, pe TEXT, array TEXT, weight_format TEXT, kv_format TEXT, activation_bits INTEGER, dram TEXT,
                clock_mhz REAL, area_mm2 REAL, weight_sqnr_db REAL, kv_sqnr_db REAL,
                UNIQUE (run_id, key));
            CREATE INDEX points_key ON points(key, status);
            CREATE TABLE phase_results (
                point_id INTEGER NOT NULL REFERENCES points(id) ON DELETE CASCADE, phase TEXT NOT NULL,
                tokens INTEGER NOT NULL, cycles INTEGER NOT NULL, latency_s REAL NOT NULL, tokens_per_s REAL NOT NULL,
                energy_j REAL NOT NULL, utilization REAL NOT NULL, dram_read_bits INTEGER NOT NULL, dram_write_bits INTEGER NOT NULL,
                PRIMARY KEY (point_id, phase));
            CREATE TABLE energy (
                point_id INTEGER NOT NULL REFERENCES points(id) ON DELETE CASCADE, phase TEXT NOT NULL, component TEXT NOT NULL,
                joules REAL NOT NULL, PRIMARY KEY (point_id, phase, component));
            CREATE TABLE area (
                point_id INTEGER NOT NULL REFERENCES points(id) ON DELETE CASCADE, component TEXT NOT NULL, mm2 REAL NOT NULL,
                PRIMARY KEY (point_id, component));
            CREATE TABLE operators (
                point_id INTEGER NOT NULL REFERENCES points(id) ON DELETE CASCADE, phase TEXT NOT NULL, position INTEGER NOT NULL,
                name TEXT NOT NULL, unit TEXT NOT NULL, m INTEGER NOT NULL, k INTEGER NOT NULL, n INTEGER NOT NULL,
                instances INTEGER NOT NULL, cycles INTEGER NOT NULL, macs INTEGER NOT NULL,
                dram_read_bits INTEGER NOT NULL, dram_write_bits INTEGER NOT NULL, energy_j REAL NOT NULL,
                PRIMARY KEY (point_id, phase, position));
            CREATE TABLE timings (point_id INTEGER PRIMARY KEY REFERENCES points(id) ON DELETE CASCADE, seconds REAL NOT NULL);
            """)
        try addPerplexityColumns(db)
        try db.execute(sql: "PRAGMA application_id = \(SweepDatabase.applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(SweepDatabase.schemaVersion)")
    }

    private static func addPerplexityColumns(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE points ADD COLUMN perplexity REAL CHECK (perplexity IS NULL OR perplexity >= 1);
            ALTER TABLE points ADD COLUMN perplexity_fp32 REAL CHECK (perplexity_fp32 IS NULL OR perplexity_fp32 >= 1);
            ALTER TABLE points ADD COLUMN perplexity_source TEXT;
            """)
    }

    // MARK: Writing

    /// Starts a run: the id its points are recorded under.
    public func beginRun(spec: SweepSpec, backend: String, chunk: String?) throws -> Int64 {
        let started = ISO8601DateFormatter().string(from: Date())
        return try write { db in
            try releaseStaleClaims(db)
            try db.execute(sql: "INSERT INTO runs (spec, spec_digest, tool_version, backend, chunk, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [spec.path, Canonical.digest(spec.text), mantsimVersion, backend, chunk, started])
            return db.lastInsertedRowID
        }
    }

    /// Claims `key` for `runID` before it runs, atomically: false when another live sweep has
    /// claimed it, or (unless `rerun`) when it is recorded as ok already. Concurrent sweeps of one
    /// spec into one database thus share the work and record each point once.
    public func claim(_ key: String, runID: Int64, rerun: Bool = false) throws -> Bool {
        do {
            return try queue.inDatabase { db in
                var claimed = false
                try db.inTransaction(.immediate) {
                    if !rerun, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM points WHERE key = ? AND status = 'ok')", arguments: [key]) == true {
                        return .commit
                    }
                    try db.execute(sql: "INSERT OR IGNORE INTO claims (key, run_id, pid, host) VALUES (?, ?, ?, ?)",
                                   arguments: [key, runID, Int(getpid()), SweepDatabase.host])
                    claimed = db.changesCount > 0
                    return .commit
                }
                return claimed
            }
        } catch {
            throw SweepError("\(path): \(SweepDatabase.message(error))")
        }
    }

    /// Releases a run's claims that were not recorded (an interrupted or failing sweep).
    public func releaseClaims(runID: Int64) throws {
        try write { db in try db.execute(sql: "DELETE FROM claims WHERE run_id = ?", arguments: [runID]) }
    }

    /// Removes claims left by sweeps on this machine that are no longer running (killed ones).
    func releaseStaleClaims(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT key, pid FROM claims WHERE host = ?", arguments: [SweepDatabase.host])
        for row in rows {
            let pid: Int = (try? row.decode(Int.self, forColumn: "pid")) ?? 0
            if pid <= 0 || (kill(pid_t(pid), 0) != 0 && errno == ESRCH) {
                try db.execute(sql: "DELETE FROM claims WHERE key = ?", arguments: [row["key"] as DatabaseValue])
            }
        }
    }

    static let host = ProcessInfo.processInfo.hostName

    /// Keys of points recorded as ok: a resumed sweep skips them.
    public func completedKeys() throws -> Set<String> {
        try queue.read { db in Set(try String.fetchAll(db, sql: "SELECT key FROM points WHERE status = 'ok'")) }
    }

    /// Wall-clock seconds of recorded points by architecture (for estimates).
    public func medianSeconds() throws -> [String: Double] {
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT p.architecture, t.seconds FROM points p JOIN timings t ON t.point_id = p.id WHERE p.status = 'ok'")
        }
        var seconds = [String: [Double]]()
        for row in rows {
            let read = CheckedRow(row: row, table: "timings", database: path, place: "a point of \(row["architecture"] as DatabaseValue)")
            seconds[try read("architecture"), default: []].append(try read("seconds"))
        }
        return seconds.mapValues { $0.sorted()[$0.count / 2] }
    }

    /// Wall-clock seconds the recorded points took in their workers, summed.
    public func pointSeconds() throws -> Double {
        try queue.read { db in try Double.fetchOne(db, sql: "SELECT coalesce(sum(seconds), 0) FROM timings") ?? 0 }
    }

    /// One point's outcome, in one transaction: a failed earlier attempt at the same key is replaced.
    public func record(_ outcome: PointOutcome, runID: Int64) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM points WHERE key = ? AND status = 'failed'", arguments: [outcome.key])
            try SweepDatabase.insert(outcome, runID: runID, db: db)
            try db.execute(sql: "DELETE FROM claims WHERE key = ? AND run_id = ?", arguments: [outcome.key, runID])
        }
    }

    /// Keys of the points recorded as ok without a perplexity.
    public func keysWithoutPerplexity() throws -> Set<String> {
        try queue.read { db in Set(try String.fetchAll(db, sql: "SELECT key FROM points WHERE status = 'ok' AND perplexity IS NULL")) }
    }

    /// Records the perplexity measured under a point's formats (every run's ok row of that point),
    /// the FP32 model's and what both were measured on, for several points in one transaction.
    public func recordPerplexity(_ perplexity: Double, fp32: Double, source: String, keys: [String]) throws {
        guard perplexity.isFinite, perplexity >= 1, fp32.isFinite, fp32 >= 1 else {
            throw SweepError("\(path): perplexity \(perplexity) (FP32 \(fp32)) is not a perplexity; nothing recorded")
        }
        try write { db in
            for key in keys {
                try db.execute(sql: "UPDATE points SET perplexity = ?, perplexity_fp32 = ?, perplexity_source = ? WHERE key = ? AND status = 'ok'",
                               arguments: [perplexity, fp32, source, key])
            }
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.write { db in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                return try body(db)
            }
        } catch let error as SweepError {
            throw error
        } catch {
            throw SweepError("\(path): \(SweepDatabase.message(error))")
        }
    }

    static func insert(_ outcome: PointOutcome, runID: Int64, db: Database) throws {
        let result = outcome.result
        try db.execute(sql: """
            INSERT INTO points (run_id, point_index, key, label, architecture, fields, model, phase, batch, prompt, tokens, energy_table,
                pe_area, dram_standard, seed, fidelity, tool_version, status, error, name, pe, array, weight_format, kv_format, activation_bits, dram,
                clock_mhz, area_mm2, weight_sqnr_db, kv_sqnr_db)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: StatementArguments([
                runID, outcome.index, outcome.key, outcome.label, outcome.architecture, outcome.fields, outcome.workload["model"],
                outcome.workload["phase"], Int(outcome.workload["batch"] ?? ""), Int(outcome.workload["prompt"] ?? ""),
                Int(outcome.workload["tokens"] ?? ""), outcome.workload["energy"], outcome.workload["pe_area"] ?? "composed", outcome.workload["dram_standard"],
                Int(outcome.workload["seed"] ?? ""), outcome.workload["fidelity"], outcome.toolVersion,
                result == nil ? "failed" : "ok", outcome.error, result?.architecture, result?.pe, result?.array, result?.weightFormat,
                result?.kvFormat, result?.activationBits, result?.dram, result?.clockMHz,
                result.map { EnergyBreakdown.total($0.area) }, result?.accuracy?.weightSQNR, result?.accuracy?.kvAttentionSQNR,
            ] as [(any DatabaseValueConvertible)?]))
        let point = db.lastInsertedRowID
        if let seconds = outcome.seconds {
            try db.execute(sql: "INSERT INTO timings (point_id, seconds) VALUES (?, ?)", arguments: [point, seconds])
        }
        guard let result else { return }
        for (component, mm2) in result.area.sorted(by: { $0.key < $1.key }) {
            try db.execute(sql: "INSERT INTO area (point_id, component, mm2) VALUES (?, ?, ?)", arguments: [point, component, mm2])
        }
        for phase in result.phases {
            try db.execute(sql: """
                INSERT INTO phase_results (point_id, phase, tokens, cycles, latency_s, tokens_per_s, energy_j, utilization, dram_read_bits, dram_write_bits)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [point, phase.phase.rawValue, phase.tokens, Int64(phase.cycles), phase.latencySeconds, phase.tokensPerSecond,
                                 phase.totalEnergy / 1e12, phase.utilization, Int64(phase.dramReadBits), Int64(phase.dramWriteBits)])
            for (component, picojoules) in phase.energy.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT INTO energy (point_id, phase, component, joules) VALUES (?, ?, ?, ?)",
                               arguments: [point, phase.phase.rawValue, component, picojoules / 1e12])
            }
            for (position, op) in phase.operations.enumerated() {
                try db.execute(sql: """
                    INSERT INTO operators (point_id, phase, position, name, unit, m, k, n, instances, cycles, macs, dram_read_bits, dram_write_bits, energy_j)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [point, phase.phase.rawValue, position, op.name, op.unit, op.m, op.k, op.n, op.instances, Int64(op.cycles),
                                     Int64(op.macs), Int64(op.dramReadBits), Int64(op.dramWriteBits), op.totalEnergy / 1e12])
            }
        }
    }
}

/// What one point gave: its result or its error, and the inputs it is recorded with.
public struct PointOutcome: Codable {
    public var index: Int
    public var key: String
    public var label: String
    public var architecture: String
    public var fields: String
    public var workload: [String: String]
    public var toolVersion: String = mantsimVersion
    public var result: RunResult?
    public var error: String?
    public var seconds: Double?

    public init(point: SweepPoint, label: String, result: RunResult?, error: String?, seconds: Double?) {
        index = point.index
        key = point.key
        self.label = label
        architecture = point.architectureName
        fields = point.fieldsJSON
        workload = point.workload
        self.result = result
        self.error = error
        self.seconds = seconds
    }
}
