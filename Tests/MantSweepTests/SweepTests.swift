import Dispatch
import Foundation
import GRDB
import MantConfig
import MantHardware
import MantSimulation
import MantSweep
import XCTest

/// Sweep specs, their points and the results database, without running the model.
final class SweepTests: XCTestCase {
    static let configs = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Configs")
    static let tiny = """
    {"hidden_size": 256, "intermediate_size": 512, "num_attention_heads": 4, "num_key_value_heads": 2,
     "num_hidden_layers": 2, "vocab_size": 1000, "max_position_embeddings": 4096}
    """

    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try SweepTests.tiny.write(to: scratch.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func plan(_ yaml: String) throws -> SweepPlan {
        let path = scratch.appendingPathComponent("spec.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try SweepPlan(spec: try SweepSpec.load(path: path)) { name, kind in
            SweepTests.configs.appendingPathComponent("\(kind)/\(name).\(kind == "models" ? "json" : "yaml")").path
        }
    }

    func problems(_ yaml: String) -> [String] {
        do {
            _ = try plan(yaml)
            return []
        } catch let error as ConfigError {
            XCTAssertTrue(error.path.hasSuffix("spec.yaml"), "problems name the spec: \(error.path)")
            return error.problems
        } catch {
            return ["\(error)"]
        }
    }

    func testTwoArchitecturesByTwoAxesOfTwoGiveEightPointsWithTheFieldsSet() throws {
        let plan = try self.plan("""
        architectures: [int8, mant]
        model: llama-2-7b
        phase: decode
        prompt: 256
        tokens: 4
        axes:
          array.rows: [16, 32]
          dram.bits_per_cycle: [256, 1024]
        """)
        XCTAssertEqual(plan.points.count, 8)
        XCTAssertEqual(plan.points.map(\.architectureName), ["int8", "int8", "int8", "int8", "mant", "mant", "mant", "mant"])
        XCTAssertEqual(plan.points.map(\.architecture.array.rows), [16, 16, 32, 32, 16, 16, 32, 32])
        XCTAssertEqual(plan.points.map(\.architecture.array.dramBitsPerCycle), [256, 1024, 256, 1024, 256, 1024, 256, 1024])
        XCTAssertTrue(plan.points.allSatisfy { $0.architecture.array.columns == 32 }, "fields no axis names keep the file's value")
        XCTAssertTrue(plan.points.allSatisfy { $0.request.phases == [.decode] && $0.request.promptLength == 256 && $0.request.generatedTokens == 4 })
        XCTAssertEqual(Set(plan.points.map(\.key)).count, 8, "every point has its own key")
        XCTAssertEqual(plan.points[1].label(varying: plan.varying), "int8 array.rows=16 dram.bits_per_cycle=1024")
        XCTAssertEqual(plan.points[1].fieldsJSON, #"{"array.rows":16,"dram.bits_per_cycle":1024}"#)
        let again = try self.plan(try String(contentsOf: scratch.appendingPathComponent("spec.yaml"), encoding: .utf8))
        XCTAssertEqual(again.points.map(\.key), plan.points.map(\.key), "keys are deterministic")
        XCTAssertEqual(plan.chunk(1, of: 3).map(\.index), [0, 3, 6])
        XCTAssertEqual(plan.chunk(3, of: 3).map(\.index), [2, 5])
    }

    func testWorkloadAxesAndFormatFields() throws {
        let plan = try self.plan("""
        architectures: [int8, int4]
        model: tiny.json
        phase: [prefill, decode]
        batch: 2
        axes:
          formats.weights: [int4, int8]
          dram_standard: [hbm2x2]
        """)
        XCTAssertEqual(plan.points.count, 8)
        XCTAssertEqual(plan.points.map { $0.request.phases.map(\.rawValue).joined() }, ["prefill", "prefill", "decode", "decode", "prefill", "prefill", "decode", "decode"])
        XCTAssertEqual(plan.points.map(\.architecture.weightFormat.bits), [4, 8, 4, 8, 4, 8, 4, 8])
        XCTAssertTrue(plan.points.allSatisfy { $0.request.batch == 2 && $0.architecture.dramTechnology == "hbm2" && $0.architecture.array.dramTiming != nil })
        XCTAssertEqual(plan.varying, ["architecture", "phase", "formats.weights"])
        XCTAssertEqual(plan.points[0].workload["dram_standard"], "hbm2x2")
        XCTAssertEqual(plan.points[0].workload["energy"], "28nm", "settings left out take run's defaults")
        XCTAssertTrue(problems("architectures: [mant]\nmodel: tiny.json\naxes: {formats.weights: [int8]}").joined().contains("axes.formats.weights"),
                      "a format the PEs refuse is the axis' problem")
    }

    /// `exclude` leaves out the combinations that match every key of one entry (a combination
    /// that would not even be valid, such as a prompt longer than a model's positions, included),
    /// and refuses an entry naming no axis or a value the axis does not take.
    func testExcludeLeavesOutMatchingCombinations() throws {
        let plan = try self.plan("""
        architectures: [int8, mant]
        model: tiny.json
        phase: [prefill, decode]
        batch: [1, 8]
        prompt: [64, 100000]
        tokens: 2
        exclude:
          - {phase: prefill, batch: 8}
          - {phase: decode, batch: [1]}
          - {prompt: 100000}
          - {architecture: mant, phase: decode}
        """)
        // int8: prefill b1, decode b8; mant: prefill b1 only.
        XCTAssertEqual(plan.points.map { "\($0.architectureName) \($0.workload["phase"]!) \($0.request.batch) \($0.request.promptLength)" },
                       ["int8 prefill 1 64", "int8 decode 8 64", "mant prefill 1 64"])
        XCTAssertEqual(plan.points.map(\.index), [0, 1, 2])
        XCTAssertEqual(plan.dropped, 16 - 3)
        let found = problems("architectures: [int8]\nmodel: tiny.json\nbatch: [1, 2]\nexclude:\n  - {batch: 3}\n  - {colour: red}\n  - {architecture: mant}\n  - just text").joined(separator: "\n")
        XCTAssertTrue(problems("architectures: [int8]\nmodel: tiny.json\nexclude: [{architecture: int8}]").joined().contains("exclude: leaves out every combination (1)"))
        for needle in ["exclude[0].batch: 3 is not one of its values (1, 2)", "exclude[1].colour: not an axis", "exclude[2].architecture: mant is not one of its values",
                       "exclude[3]: expected a mapping"] {
            XCTAssertTrue(found.contains(needle), "missing '\(needle)' in\n\(found)")
        }
    }

    func testEveryProblemAtOnceNamingTheSpecAndTheAxis() {
        let found = problems("""
        architectures: [int8, nosuch]
        model: tiny.json
        tokens: -3
        axes:
          array.rowz: [16]
          array.columns: []
          buffers.weight_bytes: [lots]
          formats.weights: [int8]
        """)
        let text = found.joined(separator: "\n")
        for needle in ["architectures: nosuch", "tokens: -3", "axes.array.columns: no values"] {
            XCTAssertTrue(text.contains(needle), "missing '\(needle)' in\n\(text)")
        }
        // The architecture file's own messages come back attributed to the axes that set the fields.
        let second = problems("""
        architectures: [int8]
        model: tiny.json
        axes:
          array.rowz: [16]
          buffers.weight_bytes: [lots]
          constraint: [1]
        """).joined(separator: "\n")
        for needle in ["axes.array.rowz: array.rowz: unknown key", "axes.buffers.weight_bytes: buffers.weight_bytes: expected a whole number",
                       "axes.constraint: constraint: unknown key", "int8.yaml"] {
            XCTAssertTrue(second.contains(needle), "missing '\(needle)' in\n\(second)")
        }
        XCTAssertTrue(problems("architectures: [int8]\naxes: {batch: [1, 1]}\nmodel: tiny.json").joined().contains("repeats a value"))
        let capped = problems("architectures: [int8, mant]\nmodel: tiny.json\nconstraints: {max_area_mm2: 0.01}").joined()
        XCTAssertTrue(capped.contains("constraints.max_area_mm2: no point satisfies 0.01"), capped)
        let iso = problems("architectures: [int8, mant]\nmodel: tiny.json\naxes: {array.rows: [8, 16]}\nconstraints: {iso: area}").joined(separator: "\n")
        XCTAssertTrue(iso.contains("constraints.baseline: missing"), iso)
        XCTAssertTrue(iso.contains("axes.array.rows: iso area sets the array's rows"), iso)
        XCTAssertTrue(problems("architectures: int8\nmodel: tiny.json\nfoo: 1").joined().contains("foo: unknown key"))
        XCTAssertTrue(problems("- just\n- a list").joined().contains("expected a mapping"))
        XCTAssertTrue(problems("architectures: [int8]\nmodel: tiny.json\naxes: {dram_standard: [ddr5x1]}").joined().contains("dram_standard: ddr5x1"))
    }

    func testAreaCapDropsPointsAndIsoResizesToTheBaseline() throws {
        let capped = try plan("architectures: [int8]\nmodel: tiny.json\naxes: {array.rows: [8, 64]}\nconstraints: {max_area_mm2: 1.25}")
        XCTAssertEqual(capped.points.map(\.architecture.array.rows), [8])
        XCTAssertEqual(capped.dropped, 1)
        let iso = try plan("architectures: [int8, mant]\nmodel: tiny.json\nconstraints: {iso: area, baseline: int8}")
        XCTAssertEqual(iso.points[0].architecture.array.rows, 32, "the baseline keeps its size")
        XCTAssertLessThan(iso.points[1].architecture.array.rows, 32, "M-ANT's SAC rows and KV engine cost PEs at INT8's compute area")
    }

    func testThePEAreaSourceIsASettingThatIsoAreaFollows() throws {
        let plan = try self.plan("architectures: [int8, mant]\nmodel: tiny.json\npe_area: [composed, synthesized]\nconstraints: {iso: area, baseline: int8}")
        XCTAssertEqual(plan.points.map(\.architectureName), ["int8", "int8", "mant", "mant"])
        XCTAssertEqual(plan.points.map { $0.energy.peAreaSource.rawValue }, ["composed", "synthesized", "composed", "synthesized"])
        XCTAssertEqual(plan.points[0].architecture.array.rows, 32)
        XCTAssertEqual(plan.points[1].architecture.array.rows, 32)
        XCTAssertGreaterThan(plan.points[3].architecture.array.rows, plan.points[2].architecture.array.rows,
                             "by gates the M-ANT PE is smaller than INT8's, so more of them fit INT8's area")
        XCTAssertTrue(problems("architectures: [int8]\nmodel: tiny.json\npe_area: gates").joined().contains("pe_area: gates: expected composed or synthesized"))
        XCTAssertTrue(problems("architectures: [mxfp4]\nmodel: tiny.json\npe_area: synthesized\nconstraints: {max_area_mm2: 100}").joined()
            .contains("has no pe.mac_mxfp4_w5a8"), "a PE with no Verilog is named")
    }

    func testTheEstimateWaitsForEveryArchitectureThenUsesEachOnesTime() throws {
        let plan = try self.plan("architectures: [int8, mant]\nmodel: tiny.json\nphase: decode\naxes: {array.rows: [16, 32]}")
        var estimate = SweepEstimate(points: plan.points, workers: 2)
        XCTAssertNil(estimate.secondsLeft)
        // A result with no phases: only its presence matters to the estimate.
        let empty = Data("""
        {"architecture": "x", "pe": "int", "array": "1x1", "clockMHz": 1, "weightFormat": "int8", "kvFormat": "int8", "activationBits": 8,
         "dataflow": "ws", "dram": "ddr4", "model": "m", "batch": 1, "promptLength": 1, "generatedTokens": 1, "energyNodeNanometres": 28,
         "fidelity": "fast", "seed": 1, "area": {}, "phases": []}
        """.utf8)
        func finished(_ index: Int, _ seconds: Double) throws {
            let result = try JSONDecoder().decode(RunResult.self, from: empty)
            estimate.finished(PointOutcome(point: plan.points[index], label: "", result: result, error: nil, seconds: seconds))
        }
        estimate.finished(PointOutcome(point: plan.points[0], label: "", result: nil, error: "failed points teach nothing", seconds: 9))
        XCTAssertNil(estimate.secondsLeft)
        try finished(1, 2)
        XCTAssertNil(estimate.secondsLeft, "M-ANT has no time yet")
        try finished(2, 6)
        XCTAssertEqual(estimate.secondsLeft, (0 * 2 + 1 * 6) / 2, "the failed INT8 point is done; one M-ANT point of 6 s is left, on 2 workers")
        XCTAssertEqual(SweepEstimate(points: plan.points, workers: 2, recorded: ["int8": 2, "mant": 4]).secondsLeft, (2 * 2 + 2 * 4) / 2)
        XCTAssertEqual(SweepEstimate(points: plan.points, workers: 8, recorded: ["int8": 2, "mant": 4]).secondsLeft, (2 * 2 + 2 * 4) / 4,
                       "no more workers than points")
        XCTAssertNil(SweepEstimate(points: plan.points, workers: 2, recorded: ["int8": 2]).secondsLeft)
    }

    // MARK: The database

    func database(_ name: String = "results.sqlite") throws -> SweepDatabase {
        try SweepDatabase(path: scratch.appendingPathComponent(name).path)
    }

    func testDatabaseRefusesWhatItDidNotWriteAndLeavesItAlone() throws {
        let garbage = scratch.appendingPathComponent("garbage.sqlite")
        try Data("not a database at all, just text".utf8).write(to: garbage)
        XCTAssertThrowsError(try SweepDatabase(path: garbage.path)) { XCTAssertTrue("\($0)".contains("not a SQLite database"), "\($0)") }
        XCTAssertEqual(try Data(contentsOf: garbage), Data("not a database at all, just text".utf8))

        let foreign = scratch.appendingPathComponent("foreign.sqlite").path
        try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE notes (text TEXT)") }
        XCTAssertThrowsError(try SweepDatabase(path: foreign)) { XCTAssertTrue("\($0)".contains("not a MantSim results database"), "\($0)") }

        let newer = scratch.appendingPathComponent("newer.sqlite").path
        _ = try SweepDatabase(path: newer)
        try DatabaseQueue(path: newer).writeWithoutTransaction { try $0.execute(sql: "PRAGMA user_version = 99") }
        XCTAssertThrowsError(try SweepDatabase(path: newer)) { XCTAssertTrue("\($0)".contains("written by a newer MantSim (results schema 99"), "\($0)") }

        let corrupted = scratch.appendingPathComponent("corrupted.sqlite")
        _ = try SweepDatabase(path: corrupted.path)
        var bytes = try Data(contentsOf: corrupted)
        for index in 100..<min(bytes.count, 4000) { bytes[index] = 0xA5 }
        try bytes.write(to: corrupted)
        XCTAssertThrowsError(try SweepDatabase(path: corrupted.path)) { error in
            XCTAssertTrue("\(error)".contains("corrupted") || "\(error)".contains("malformed") || "\(error)".contains("not a database"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: corrupted), bytes, "a corrupted database is not overwritten")

        XCTAssertThrowsError(try SweepDatabase(path: scratch.appendingPathComponent("no/such/folder.sqlite").path)) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
        XCTAssertThrowsError(try SweepDatabase(path: scratch.path)) { XCTAssertTrue("\($0)".contains("is a folder"), "\($0)") }
        XCTAssertThrowsError(try SweepDatabase(path: scratch.appendingPathComponent("missing.sqlite").path, readOnly: true))
        // A FIFO would block the open forever; a device would read garbage.
        let fifo = scratch.appendingPathComponent("fifo.sqlite").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for readOnly in [false, true] {
            XCTAssertThrowsError(try SweepDatabase(path: fifo, readOnly: readOnly)) { XCTAssertTrue("\($0)".contains("not a regular file (a FIFO)"), "\($0)") }
        }
        XCTAssertThrowsError(try SweepDatabase(path: "/dev/zero", readOnly: true)) { XCTAssertTrue("\($0)".contains("a device"), "\($0)") }
    }

    func testFailedPointsAreRecordedRetriedAndMergedOnce() throws {
        let plan = try self.plan("architectures: [int8, mant]\nmodel: tiny.json\nphase: decode\naxes: {array.rows: [16, 32]}")
        let shard = try database("shard.sqlite")
        let run = try shard.beginRun(spec: plan.spec, backend: "local", chunk: "1/1")
        for point in plan.points {
            try shard.record(PointOutcome(point: point, label: point.label(varying: plan.varying), result: nil, error: "boom \(point.index)", seconds: 0.5), runID: run)
        }
        XCTAssertEqual(try shard.completedKeys(), [], "failed points are not complete: a rerun tries them again")
        XCTAssertEqual(try shard.rows().map(\.error), ["boom 0", "boom 1", "boom 2", "boom 3"])
        try shard.record(PointOutcome(point: plan.points[0], label: "again", result: nil, error: "boom again", seconds: nil), runID: run)
        XCTAssertEqual(try shard.rows().count, 4, "a failed point recorded again replaces its earlier failure")

        let main = try database("main.sqlite")
        XCTAssertEqual(try main.merge(shard), 4)
        XCTAssertEqual(try main.merge(shard), 0, "collecting twice copies nothing twice")
        XCTAssertEqual(try main.rows().map(\.index), [0, 1, 2, 3])
        XCTAssertEqual(try main.runs().map(\.chunk), ["1/1"])
        XCTAssertThrowsError(try main.merge(main))
    }

    /// `--jobs` workers run at once even above the core count: a fake worker notes when it starts,
    /// waits, and dies (its point is recorded as failed); every one must have started before the
    /// first ended.
    func testAsManyWorkersRunAsAskedEvenAboveTheCoreCount() throws {
        let jobs = ProcessInfo.processInfo.activeProcessorCount + 2
        let axis = (1...jobs).map { "\(16 + 2 * $0)" }.joined(separator: ", ")
        let plan = try self.plan("architectures: [int8]\nmodel: tiny.json\nphase: decode\naxes: {array.rows: [\(axis)]}")
        XCTAssertEqual(plan.points.count, jobs)
        let log = scratch.appendingPathComponent("workers.log").path
        let script = "read line; echo \"start $(date +%s%N)\" >> \(log); sleep 2; echo \"end $(date +%s%N)\" >> \(log); exit 3"
        let database = try database("jobs.sqlite")
        let run = try database.beginRun(spec: plan.spec, backend: "local", chunk: nil)
        let sweep = LocalSweep(plan: plan, database: database, runID: run, worker: ("/bin/sh", ["-c", script]), jobs: jobs)
        let summary = try sweep.run(plan.points)
        XCTAssertEqual(summary.failed, jobs)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let starts = lines.filter { $0.hasPrefix("start") }.compactMap { UInt64($0.dropFirst(6)) }
        let ends = lines.filter { $0.hasPrefix("end") }.compactMap { UInt64($0.dropFirst(4)) }
        XCTAssertEqual(starts.count, jobs)
        XCTAssertLessThan(starts.max()!, ends.min()!, "\(jobs) workers at once on \(jobs - 2) cores")
    }

    /// Every value read back is checked: text in a REAL column, or a NULL where a value is
    /// required, is refused naming the file, table, column and point (GRDB's subscripts trapped).
    func testValuesOfTheWrongTypeAreRefusedNamingTheColumn() throws {
        let plan = try self.plan("architectures: [int8]\nmodel: tiny.json\nphase: decode\nprompt: 16\ntokens: 1")
        let path = scratch.appendingPathComponent("typed.sqlite").path
        let database = try SweepDatabase(path: path)
        let run = try database.beginRun(spec: plan.spec, backend: "local", chunk: nil)
        let outcome = runPoint(plan.points[0], label: "int8", rtl: try RTLModel.shared())
        try database.record(outcome, runID: run)
        XCTAssertEqual(try database.rows().count, 1)
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "UPDATE phase_results SET energy_j = 'lots'; UPDATE energy SET joules = 'x'; UPDATE timings SET seconds = 'slow'") }
        XCTAssertThrowsError(try database.rows()) { XCTAssertTrue("\($0)".contains("points and phase_results.energy_j of point 0: expected Optional<Double>, got \"lots\""), "\($0)") }
        XCTAssertThrowsError(try database.energy(point: plan.points[0].key, run: run, phase: "decode")) { XCTAssertTrue("\($0)".contains("energy.joules"), "\($0)") }
        XCTAssertThrowsError(try database.medianSeconds()) { XCTAssertTrue("\($0)".contains("timings.seconds"), "\($0)") }
        try queue.write { try $0.execute(sql: "UPDATE runs SET tool_version = x'ff'") }
        XCTAssertThrowsError(try database.runs()) { XCTAssertTrue("\($0)".contains("runs.tool_version of run 1"), "\($0)") }
    }

    /// The points are counted before any is built: a small spec of 10^9 combinations is refused
    /// with the count and how to raise the limit, at once.
    func testASpecOfTooManyPointsIsRefusedBeforeAnyIsBuilt() throws {
        let values = (1...1000).map(String.init).joined(separator: ", ")
        let yaml = "architectures: [int8]\nmodel: tiny.json\naxes: {array.rows: [\(values)], array.columns: [\(values)], dram.bits_per_cycle: [\(values)]}"
        let found = problems(yaml)
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found[0].contains("1 x 1000 x 1000 x 1000 = 1000000000 points, above the 20000 a sweep plans at once")
                      && found[0].contains("--max-points"), "\(found)")
        let path = scratch.appendingPathComponent("spec.yaml").path
        XCTAssertThrowsError(try SweepPlan(spec: try SweepSpec.load(path: path), maxPoints: 999_999_999) { name, kind in
            SweepTests.configs.appendingPathComponent("\(kind)/\(name).\(kind == "models" ? "json" : "yaml")").path
        })
        XCTAssertEqual(SweepPlan.pointCount(try SweepSpec.load(path: path)), 1_000_000_000)
    }

    /// Two sweeps of one spec into one database share the work: a point is claimed atomically
    /// before it runs, so it is run by one sweep and recorded once.
    func testConcurrentSweepsClaimEachPointOnce() throws {
        let plan = try self.plan("architectures: [int8]\nmodel: tiny.json\nphase: decode\nprompt: 16\ntokens: 1\naxes: {array.rows: [16, 18, 20, 22, 24, 26]}")
        let path = scratch.appendingPathComponent("shared.sqlite").path
        let first = try SweepDatabase(path: path), second = try SweepDatabase(path: path)
        let (runA, runB) = (try first.beginRun(spec: plan.spec, backend: "local", chunk: nil), try second.beginRun(spec: plan.spec, backend: "local", chunk: nil))
        let key = plan.points[0].key
        XCTAssertTrue(try first.claim(key, runID: runA))
        XCTAssertFalse(try second.claim(key, runID: runB), "claimed by a live sweep")
        try first.record(runPoint(plan.points[0], label: "ok", rtl: try RTLModel.shared()), runID: runA)
        XCTAssertFalse(try second.claim(key, runID: runB), "recorded as ok")
        XCTAssertTrue(try second.claim(key, runID: runB, rerun: true), "a rerun runs it again once no one holds it")
        try second.releaseClaims(runID: runB)

        // Two sweeps at once with workers that fail each point: every key ends up recorded once.
        let script = "while read line; do sleep 0.2; exit 3; done"
        let sweeps = [(first, runA), (second, runB)].map { database, run in
            LocalSweep(plan: plan, database: database, runID: run, worker: ("/bin/sh", ["-c", script]), jobs: 2)
        }
        let rest = Array(plan.points.dropFirst())
        var summaries = [LocalSweep.Summary?](repeating: nil, count: 2)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let summary = try? sweeps[index].run(rest)
            lock.lock()
            summaries[index] = summary
            lock.unlock()
        }
        XCTAssertEqual(try first.rows().map(\.key).sorted(), plan.points.map(\.key).sorted(), "each point once")
        XCTAssertGreaterThanOrEqual(summaries.compactMap { $0?.recorded }.reduce(0, +), rest.count)
        XCTAssertEqual(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM claims") }, 0, "no claim is left")
    }

    /// A point's perplexity is filled in after it ran, only on ok rows and only with a perplexity;
    /// a file an older MantSim wrote (schema 1, no perplexity columns) reads with none, merges
    /// without one, and is upgraded in place when opened for writing.
    func testPerplexityIsRecordedPerPointAndASchemaOneFileIsUpgraded() throws {
        let plan = try self.plan("architectures: [int8]\nmodel: tiny.json\nphase: decode\nprompt: 16\ntokens: 1\naxes: {array.rows: [16, 32]}")
        let path = scratch.appendingPathComponent("old.sqlite").path
        let database = try SweepDatabase(path: path)
        let run = try database.beginRun(spec: plan.spec, backend: "local", chunk: nil)
        let rtl = try RTLModel.shared()
        for point in plan.points { try database.record(runPoint(point, label: point.label(varying: plan.varying), rtl: rtl), runID: run) }
        let retry = try database.beginRun(spec: plan.spec, backend: "local", chunk: nil)
        try database.record(PointOutcome(point: plan.points[1], label: "failed", result: nil, error: "boom", seconds: nil), runID: retry)
        XCTAssertEqual(try database.keysWithoutPerplexity(), Set(plan.points.map(\.key)))

        try database.recordPerplexity(12.5, fp32: 12, source: "tiny on a text", keys: [plan.points[0].key])
        let rows = try database.rows().filter(\.ok)
        XCTAssertEqual(rows.map(\.perplexity), [12.5, nil])
        XCTAssertEqual(rows.map(\.perplexityFP32), [12, nil])
        XCTAssertEqual(rows[0].perplexitySource, "tiny on a text")
        XCTAssertEqual(try database.keysWithoutPerplexity(), [plan.points[1].key])
        for (value, fp32) in [(Double.nan, 12.0), (0.5, 12), (12, .infinity)] {
            XCTAssertThrowsError(try database.recordPerplexity(value, fp32: fp32, source: "x", keys: [plan.points[1].key]))
        }
        XCTAssertEqual(try database.keysWithoutPerplexity(), [plan.points[1].key], "a refused value is not written")

        // As MantSim wrote it before perplexity was recorded.
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            for column in ["perplexity", "perplexity_fp32", "perplexity_source"] { try db.execute(sql: "ALTER TABLE points DROP COLUMN \(column)") }
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        let old = try SweepDatabase(path: path, readOnly: true)
        XCTAssertEqual(try old.rows().filter(\.ok).map(\.perplexity), [nil, nil])
        let merged = try self.database("merged.sqlite")
        XCTAssertEqual(try merged.merge(old), 2)
        XCTAssertEqual(try merged.keysWithoutPerplexity(), Set(plan.points.map(\.key)))
        let upgraded = try SweepDatabase(path: path)
        XCTAssertEqual(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA user_version") }, SweepDatabase.schemaVersion)
        try upgraded.recordPerplexity(13, fp32: 12, source: "tiny", keys: plan.points.map(\.key))
        XCTAssertEqual(try upgraded.rows().filter(\.ok).map(\.perplexity), [13, 13])
    }
}
