import Foundation
import GRDB

// A results database's other side: merging shards into it, and reading its runs and rows back.

extension SweepDatabase {
    /// Copies another database's points (a Slurm task's shard) into this one, each with its run;
    /// points already recorded here as ok are skipped, failed ones replaced. Returns the points copied.
    @discardableResult
    public func merge(_ shard: SweepDatabase) throws -> Int {
        if URL(fileURLWithPath: shard.path).standardized.path == URL(fileURLWithPath: path).standardized.path {
            throw SweepError("\(shard.path): is the database being collected into")
        }
        do {
            return try queue.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS shard", arguments: [shard.path])
                defer { try? db.execute(sql: "DETACH DATABASE shard") }
                var copied = 0
                // A schema-1 shard has no perplexity columns: its points come without one.
                let shardHasPerplexity = try Row.fetchAll(db, sql: "PRAGMA shard.table_info(points)").contains { ($0["name"] as String) == "perplexity" }
                try db.inTransaction {
                    var runs = [Int64: Int64]()
                    let points = try Row.fetchAll(db, sql: "SELECT id, run_id, key, status FROM shard.points ORDER BY point_index, id")
                    for point in points {
                        let read = CheckedRow(row: point, table: "points", database: shard.path, place: "point id \(point["id"] as DatabaseValue)")
                        let key: String = try read("key"), old: Int64 = try read("id"), oldRun: Int64 = try read("run_id")
                        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM main.points WHERE key = ? AND status = 'ok')", arguments: [key]) == true {
                            continue
                        }
                        let status: String = try read("status")
                        if status == "failed",
                           try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM main.points WHERE key = ?)", arguments: [key]) == true {
                            continue
                        }
                        try db.execute(sql: "DELETE FROM main.points WHERE key = ? AND status = 'failed'", arguments: [key])
                        if runs[oldRun] == nil {
                            try db.execute(sql: """
                                INSERT INTO main.runs (spec, spec_digest, tool_version, backend, chunk, started_at)
                                SELECT spec, spec_digest, tool_version, backend, chunk, started_at FROM shard.runs WHERE id = ?
                                """, arguments: [oldRun])
                            runs[oldRun] = db.lastInsertedRowID
                        }
                        let columns = "point_index, key, label, architecture, fields, model, phase, batch, prompt, tokens, energy_table, pe_area, dram_standard, "
                            + "seed, fidelity, tool_version, status, error, name, pe, array, weight_format, kv_format, activation_bits, dram, clock_mhz, "
                            + "area_mm2, weight_sqnr_db, kv_sqnr_db" + (shardHasPerplexity ? ", perplexity, perplexity_fp32, perplexity_source" : "")
                        try db.execute(sql: "INSERT INTO main.points (run_id, \(columns)) SELECT ?, \(columns) FROM shard.points WHERE id = ?",
                                       arguments: [runs[oldRun]!, old])
                        let new = db.lastInsertedRowID
                        for (table, columns) in [
                            ("phase_results", "phase, tokens, cycles, latency_s, tokens_per_s, energy_j, utilization, dram_read_bits, dram_write_bits"),
                            ("energy", "phase, component, joules"), ("area", "component, mm2"),
                            ("operators", "phase, position, name, unit, m, k, n, instances, cycles, macs, dram_read_bits, dram_write_bits, energy_j"),
                            ("timings", "seconds"),
                        ] {
                            try db.execute(sql: "INSERT INTO main.\(table) (point_id, \(columns)) SELECT ?, \(columns) FROM shard.\(table) WHERE point_id = ?",
                                           arguments: [new, old])
                        }
                        copied += 1
                    }
                    return .commit
                }
                return copied
            }
        } catch let error as SweepError {
            throw error
        } catch {
            throw SweepError("\(path): collecting \(shard.path): \(SweepDatabase.message(error))")
        }
    }

    /// The runs recorded, oldest first.
    public func runs() throws -> [SweepRunRecord] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT r.*, (SELECT count(*) FROM points p WHERE p.run_id = r.id) AS points FROM runs r ORDER BY id").map { row in
                let read = CheckedRow(row: row, table: "runs", database: path, place: "run \(row["id"] as DatabaseValue)")
                return SweepRunRecord(id: try read("id"), spec: try read("spec"), toolVersion: try read("tool_version"), backend: try read("backend"),
                                      chunk: try read("chunk"), startedAt: try read("started_at"), points: try read("points"))
            }
        }
    }

    /// One row per point and phase (a failed point: one row without a phase), in point order;
    /// `run` restricts them to one run.
    public func rows(run: Int64? = nil) throws -> [SweepRow] {
        try queue.read { db in
            let sql = """
                SELECT p.*, r.phase AS result_phase, r.tokens AS phase_tokens, r.cycles, r.latency_s, r.tokens_per_s, r.energy_j, r.utilization,
                       r.dram_read_bits, r.dram_write_bits
                FROM points p LEFT JOIN phase_results r ON r.point_id = p.id
                \(run == nil ? "" : "WHERE p.run_id = ?")
                ORDER BY p.point_index, p.run_id, CASE r.phase WHEN 'prefill' THEN 0 ELSE 1 END
                """
            return try Row.fetchAll(db, sql: sql, arguments: run.map { [$0] } ?? []).map { try SweepRow($0, database: path) }
        }
    }

    /// Joules per component of a point's phase.
    public func energy(point key: String, run: Int64, phase: String) throws -> [String: Double] {
        try queue.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT e.component, e.joules FROM energy e JOIN points p ON p.id = e.point_id WHERE p.key = ? AND p.run_id = ? AND e.phase = ?
                """, arguments: [key, run, phase])
            return Dictionary(try rows.map { row in
                let read = CheckedRow(row: row, table: "energy", database: path, place: "point \(key), phase \(phase)")
                return (try read("component") as String, try read("joules") as Double)
            }) { first, _ in first }
        }
    }
}

public struct SweepRunRecord {
    public var id: Int64
    public var spec: String
    public var toolVersion: String
    public var backend: String
    public var chunk: String?
    public var startedAt: String
    public var points: Int
}

/// A point's phase as recorded.
public struct SweepRow {
    public var runID: Int64
    public var index: Int
    public var key: String
    public var label: String
    public var architecture: String
    /// The architecture fields the axes set, as JSON.
    public var fields: String
    public var model: String
    public var phases: String
    public var batch: Int
    public var prompt: Int
    public var tokens: Int
    public var energyTable: String
    public var peArea: String
    public var dramStandard: String?
    public var seed: Int
    public var fidelity: String
    public var toolVersion: String
    public var ok: Bool
    public var error: String?
    public var array: String?
    public var weightFormat: String?
    public var kvFormat: String?
    public var areaMM2: Double?
    public var weightSQNR: Double?
    public var kvSQNR: Double?
    /// A real model's perplexity under the point's formats, the FP32 model's, and what they were
    /// measured on; nil until evaluated (or when the sweep left it out).
    public var perplexity: Double?
    public var perplexityFP32: Double?
    public var perplexitySource: String?
    /// nil for a failed point.
    public var phase: String?
    public var cycles: Int64?
    public var latencySeconds: Double?
    public var tokensPerSecond: Double?
    public var energyJoules: Double?
    public var utilization: Double?
    public var dramReadBits: Int64?
    public var dramWriteBits: Int64?

    /// Every value checked: a value of the wrong type is refused naming the column and the point.
    init(_ row: Row, database: String) throws {
        let read = CheckedRow(row: row, table: "points and phase_results", database: database, place: "point \(row["point_index"] as DatabaseValue)")
        runID = try read("run_id")
        index = try read("point_index")
        key = try read("key")
        label = try read("label")
        architecture = try read("architecture")
        fields = try read("fields")
        model = try read("model")
        phases = try read("phase")
        batch = try read("batch")
        prompt = try read("prompt")
        tokens = try read("tokens")
        energyTable = try read("energy_table")
        peArea = try read("pe_area")
        dramStandard = try read("dram_standard")
        seed = try read("seed")
        fidelity = try read("fidelity")
        toolVersion = try read("tool_version")
        ok = (try read("status") as String) == "ok"
        error = try read("error")
        array = try read("array")
        weightFormat = try read("weight_format")
        kvFormat = try read("kv_format")
        areaMM2 = try read("area_mm2")
        weightSQNR = try read("weight_sqnr_db")
        kvSQNR = try read("kv_sqnr_db")
        // Missing columns (a schema-1 file) read as nil.
        perplexity = try read("perplexity")
        perplexityFP32 = try read("perplexity_fp32")
        perplexitySource = try read("perplexity_source")
        phase = try read("result_phase")
        cycles = try read("cycles")
        latencySeconds = try read("latency_s")
        tokensPerSecond = try read("tokens_per_s")
        energyJoules = try read("energy_j")
        utilization = try read("utilization")
        dramReadBits = try read("dram_read_bits")
        dramWriteBits = try read("dram_write_bits")
    }

    /// The point's inputs, without the run or tool: what matches a point across runs and databases.
    public var inputs: String {
        [architecture, fields, model, phases, "\(batch)", "\(prompt)", "\(tokens)", energyTable, peArea, dramStandard ?? "", "\(seed)", fidelity]
            .joined(separator: "\u{1}")
    }
}

/// Reads a database row's values, each checked against the type the reader expects: a value of
/// another type (text in a REAL column, a NULL where one is required) is an error naming the file,
/// the table, the column and the row, not a trap.
struct CheckedRow {
    let row: Row
    let table: String
    let database: String
    let place: String

    func callAsFunction<Value: DatabaseValueConvertible>(_ column: String) throws -> Value {
        do {
            return try row.decode(Value.self, forColumn: column)
        } catch {
            let stored = row[column] as DatabaseValue? ?? .null
            throw SweepError("\(database): \(table).\(column) of \(place): expected \(Value.self), got \(stored) (a damaged or hand-edited database?)")
        }
    }
}
