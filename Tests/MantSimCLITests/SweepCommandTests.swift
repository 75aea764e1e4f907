import Foundation
import XCTest
import _TestSupport

/// `mantsim sweep`, `report` and `diff` end to end, on a small model.
final class SweepCommandTests: CLITestCase {
    func write(_ text: String, _ name: String) throws -> String {
        let file = path(name)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func spec(_ body: String, name: String = "spec.yaml") throws -> String {
        _ = try write(WorkloadCommandTests.tinyConfig, "tiny.json")
        return try write("model: tiny.json\nphase: decode\nprompt: 32\ntokens: 2\n" + body, name)
    }

    func csv(_ db: String) throws -> String {
        let report = try mantsim("report", db, "--csv")
        XCTAssertEqual(report.status, 0, report.error)
        return report.output
    }

    /// One CSV line's fields (quoted fields may hold commas and doubled quotes).
    static func fields(_ line: String) -> [String] {
        var fields = [String](), current = "", quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch (character, quoted) {
            case ("\"", true): quoted = false
            case ("\"", false): if !current.isEmpty { current.append("\"") }; quoted = true
            case (",", false): fields.append(current); current = ""
            default: current.append(character)
            }
        }
        return fields + [current]
    }

    func testSweepRecordsEveryPointResumesAndRepeatsItself() throws {
        let spec = try self.spec("architectures: [int8, mant]\naxes:\n  array.rows: [16, 32]\n")
        let first = try mantsim("sweep", spec, "--jobs", "2")
        XCTAssertEqual(first.status, 0, first.error)
        XCTAssertTrue(first.error.contains("4 points (2 architectures x 2 array.rows); 4 to run, 0 already in"), first.error)
        XCTAssertTrue(first.error.contains("4 points recorded in \(path("spec.sqlite")) (run 1)"), first.error)
        let rows = try csv(path("spec.sqlite")).split(separator: "\n")
        XCTAssertEqual(rows.count, 5, rows.joined(separator: "\n"))
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0.contains(",ok,") && $0.contains(",decode,") }, rows.joined(separator: "\n"))
        XCTAssertTrue(rows[1].hasPrefix("0,int8,int8 array.rows=16,"), String(rows[1]))
        XCTAssertTrue(rows[1].contains(",16x32,") && rows[4].contains(",32x32,"), "the axis sets the array rows: \(rows[1])")

        let again = try mantsim("sweep", spec)
        XCTAssertEqual(again.status, 0, again.error)
        XCTAssertTrue(again.error.contains("0 to run, 4 already in") && again.error.contains("nothing to run"), again.error)

        let other = try mantsim("sweep", spec, "--db", path("other.sqlite"), "--jobs", "1")
        XCTAssertEqual(other.status, 0, other.error)
        XCTAssertEqual(try csv(path("other.sqlite")), try csv(path("spec.sqlite")), "same spec, same rows, whatever the workers")
        let diff = try mantsim("diff", path("spec.sqlite"), path("other.sqlite"))
        XCTAssertEqual(diff.status, 0, diff.error)
        XCTAssertTrue(diff.output.hasPrefix("4 point phases in both (4 unchanged, 0 changed); 0 only in"), diff.output)

        let rerun = try mantsim("sweep", spec, "--rerun", "--jobs", "2")
        XCTAssertEqual(rerun.status, 0, rerun.error)
        let runs = try mantsim("diff", path("spec.sqlite"), "--runs", "1", "2")
        XCTAssertTrue(runs.output.hasPrefix("4 point phases in both (4 unchanged"), runs.output)

        let report = try mantsim("report", path("spec.sqlite"), "--plot", path("charts"))
        XCTAssertEqual(report.status, 0, report.error)
        for needle in ["8 points, 0 failed", "decode: best points", "latency", "energy x delay", "decode: Pareto front of time and energy per token"] {
            XCTAssertTrue(report.output.contains(needle), "missing \(needle) in\n\(report.output)")
        }
        for chart in ["charts-pareto.svg", "charts-throughput.svg"] {
            let svg = try String(contentsOfFile: path(chart), encoding: .utf8)
            XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("mant") && svg.contains("int8"), chart)
        }
    }

    /// Each point's perplexity under its formats is recorded beside its cost (the numbers
    /// `perplexity --archs` gives), points with the same formats share one evaluation, a sweep
    /// recorded without it gets it on the next run, and `report` ranks and fronts on it.
    func testSweepRecordsEachPointsPerplexity() throws {
        let model = path("tiny.gguf")
        try TinyGGUF.write(to: model)
        let text = try write("hello hello 123, hell is hot.\n<s>hello again", "text.txt")
        let evaluation = ["--eval-model", model, "--eval-text", text, "--eval-tokens", "20", "--eval-context", "8"]
        let spec = try self.spec("architectures: [int8]\naxes:\n  array.rows: [16, 32]\n  formats.weights: [int4, int8]\n")
        let costs = try mantsim(["sweep", spec, "--jobs", "2", "--no-perplexity"])
        XCTAssertEqual(costs.status, 0, costs.error)
        XCTAssertTrue(try csv(path("spec.sqlite")).split(separator: "\n").dropFirst().allSatisfy { $0.contains(",,,,decode,") }, "no perplexity yet")

        let filled = try mantsim(["sweep", spec] + evaluation)
        XCTAssertEqual(filled.status, 0, filled.error)
        XCTAssertTrue(filled.error.contains("nothing to run") && filled.error.contains("perplexity of 4 points (2 distinct sets of formats) on tiny on"), filled.error)
        let lines = try csv(path("spec.sqlite")).split(separator: "\n").map(String.init)
        let header = SweepCommandTests.fields(lines[0])
        let column = try XCTUnwrap(header.firstIndex(of: "perplexity"))
        XCTAssertEqual(header[column + 1], "perplexity_fp32")
        var byFormat = [String: Set<String>]()
        for line in lines.dropFirst() {
            let fields = SweepCommandTests.fields(line)
            byFormat[fields[header.firstIndex(of: "weight_format")!], default: []].insert(fields[column])
        }
        XCTAssertEqual(byFormat.count, 2)
        XCTAssertTrue(byFormat.values.allSatisfy { $0.count == 1 && Double($0.first!) != nil }, "\(byFormat)")
        // The same numbers as perplexity --archs with those formats.
        for weights in ["int4", "int8"] {
            let formats = try write("weights: \(weights)\n", "\(weights).yaml")
            let direct = try mantsim("perplexity", "--model-file", model, "--text", text, "--max-tokens", "20", "--context", "8",
                                     "--archs", "int8", "--formats", formats, "--json")
            XCTAssertEqual(direct.status, 0, direct.error)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(direct.output.utf8)) as? [String: Any])
            let row = try XCTUnwrap((report["architectures"] as? [[String: Any]])?.first)
            let value = try XCTUnwrap((row["perplexity"] as? [String: Any])?["perplexity"] as? Double)
            // (JSON text round trips a double to within an ulp, not always exactly.)
            let recorded = try XCTUnwrap(byFormat.first { $0.key.hasPrefix(weights) }?.value.first.flatMap(Double.init), "\(weights) in \(byFormat)")
            XCTAssertEqual(recorded, value, accuracy: value * 1e-14, weights)
        }

        let report = try mantsim("report", path("spec.sqlite"), "--plot", path("charts"))
        XCTAssertEqual(report.status, 0, report.error)
        for needle in ["decode: perplexity of tiny on", "4 of 4 points measured", "decode: Pareto front of perplexity and energy per token", "vs FP32"] {
            XCTAssertTrue(report.output.contains(needle), "missing \(needle) in\n\(report.output)")
        }
        XCTAssertTrue(report.output.split(separator: "\n").contains { $0.hasPrefix("perplexity ") && $0.contains("lowest") }, report.output)
        XCTAssertTrue(try String(contentsOfFile: path("charts-pareto.svg"), encoding: .utf8).contains("perplexity against energy per token"))
    }

    /// `report --against`: the geometric mean of the other architectures' latency and energy over
    /// this one's at the points they share, per phase and overall, as the CSV's own rows give it.
    func testReportAgainstOneArchitecture() throws {
        let spec = try self.spec("architectures: [int8, mant, int4]\naxes:\n  batch: [1, 2]\n", name: "against.yaml")
        let run = try mantsim("sweep", spec, "--jobs", "2", "--no-perplexity")
        XCTAssertEqual(run.status, 0, run.error)
        let lines = try csv(path("against.sqlite")).split(separator: "\n").map(String.init)
        let header = SweepCommandTests.fields(lines[0])
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        var latency = [String: Double](), energy = [String: Double]()
        for line in lines.dropFirst() {
            let f = SweepCommandTests.fields(line)
            let key = "\(f[column("architecture")]) \(f[column("batch")])"
            latency[key] = Double(f[column("latency_s")])!
            energy[key] = Double(f[column("energy_j")])!
        }
        let report = try mantsim("report", path("against.sqlite"), "--against", "mant", "--csv")
        XCTAssertEqual(report.status, 0, report.error)
        let rows = report.output.split(separator: "\n").map { SweepCommandTests.fields(String($0)) }
        XCTAssertEqual(rows.count, 1 + 4, "int8 and int4: decode, and all phases (the same points)")
        for row in rows.dropFirst() where row[2] == "decode" {
            let other = row[1]
            let speedups = ["1", "2"].map { latency["\(other) \($0)"]! / latency["mant \($0)"]! }
            let reductions = ["1", "2"].map { energy["\(other) \($0)"]! / energy["mant \($0)"]! }
            XCTAssertEqual(row[3], "2")
            XCTAssertEqual(rows.first { $0[1] == other && $0[2] == "all" }.map { Array($0[3...]) }, Array(row[3...]), "one phase: all is decode")
            XCTAssertEqual(Double(row[4])!, (speedups[0] * speedups[1]).squareRoot(), accuracy: 1e-9, other)
            XCTAssertEqual(Double(row[7])!, (reductions[0] * reductions[1]).squareRoot(), accuracy: 1e-9, other)
            XCTAssertEqual(Double(row[5])!, speedups.min()!, accuracy: 1e-12)
        }
        let text = try mantsim("report", path("against.sqlite"), "--against", "mant")
        XCTAssertTrue(text.output.contains("every other") && text.output.contains("energy reduction"), text.output)
        let unknown = try mantsim("report", path("against.sqlite"), "--against", "olive")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.error.contains("--against olive") && unknown.error.contains("int8, mant, int4"), unknown.error)
    }

    func testDryRunListsThePointsAndWritesNothing() throws {
        let spec = try self.spec("architectures: [int8, int4]\naxes:\n  dram.bits_per_cycle: [256, 1024]\n  batch: [1, 4]\n")
        let dry = try mantsim("sweep", spec, "--dry-run")
        XCTAssertEqual(dry.status, 0, dry.error)
        XCTAssertEqual(dry.output.split(separator: "\n").count, 2 + 8, dry.output)
        XCTAssertTrue(dry.output.contains("int4          dram.bits_per_cycle=1024 batch=4  to run"), dry.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("spec.sqlite")), "a dry run writes no database")

        let slurm = try mantsim("sweep", spec, "--dry-run", "--backend", "slurm", "--partition", "cpu", "--time", "01:00:00", "--cpus-per-task", "4", "--tasks", "3")
        XCTAssertEqual(slurm.status, 0, slurm.error)
        for needle in ["#SBATCH --array=1-3", "#SBATCH --partition=cpu", "#SBATCH --time=01:00:00", "#SBATCH --cpus-per-task=4",
                       "--chunk \"$SLURM_ARRAY_TASK_ID/3\"", "shard-\"$SLURM_ARRAY_TASK_ID\".sqlite"] {
            XCTAssertTrue(slurm.output.contains(needle), "missing \(needle) in\n\(slurm.output)")
        }
        let process = Process()
        process.executableURL = CLITestCase.binary
        process.arguments = ["sweep", spec, "--backend", "slurm"]
        process.environment = ["PATH": path("no-slurm-here")]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertTrue(message.contains("sbatch is not on PATH"), message)
    }

    func testBadSpecsAndDatabasesAreRefusedBeforeAnythingRuns() throws {
        let spec = try self.spec("""
        architectures: [int8, nosuch]
        batch: 0
        axes:
          array.rowz: [16]
          array.columns: []
          dram.bits_per_cycle: [wide]
        constraints: {max_area_mm2: -1}
        """)
        let bad = try mantsim("sweep", spec)
        XCTAssertEqual(bad.status, 1, bad.error)
        for needle in ["\(spec): architectures: nosuch", "\(spec): batch: 0: expected a positive whole number", "\(spec): axes.array.columns: no values",
                       "\(spec): constraints.max_area_mm2: expected a positive number"] {
            XCTAssertTrue(bad.error.contains(needle), "missing \(needle) in\n\(bad.error)")
        }
        let fields = try mantsim("sweep", try self.spec("architectures: [int8]\naxes:\n  array.rowz: [16]\n  dram.bits_per_cycle: [wide]\n", name: "fields.yaml"))
        XCTAssertEqual(fields.status, 1)
        XCTAssertTrue(fields.error.contains("axes.array.rowz: array.rowz: unknown key"), fields.error)
        XCTAssertTrue(fields.error.contains("axes.dram.bits_per_cycle: dram.bits_per_cycle: expected a whole number"), fields.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("spec.sqlite")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("fields.sqlite")))

        let good = try self.spec("architectures: [int8]\n", name: "good.yaml")
        let text = Data("id,name\n1,not a database\n".utf8)
        try text.write(to: URL(fileURLWithPath: path("good.sqlite")))
        let refused = try mantsim("sweep", good)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.error.contains("not a SQLite database (corrupted, or another kind of file); it was left as it is"), refused.error)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("good.sqlite"))), text)
        for arguments in [["report", path("good.sqlite")], ["report", path("missing.sqlite")], ["diff", path("good.sqlite"), path("missing.sqlite")]] {
            let run = try mantsim(arguments)
            XCTAssertNotEqual(run.status, 0, arguments.joined(separator: " "))
            XCTAssertTrue(run.error.contains(arguments[1]), run.error)
        }
        let missing = try mantsim("sweep", path("nosuch.yaml"))
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.error.contains("nosuch.yaml: file: does not exist"), missing.error)
        let chunk = try mantsim("sweep", good, "--chunk", "3/2")
        XCTAssertEqual(chunk.status, 64)
    }

    func testAFailedPointIsRecordedAndTheSweepGoesOn() throws {
        let spec = try self.spec("architectures: [int8]\naxes:\n  buffers.weight_bytes: [64, 131072]\n")
        let run = try mantsim("sweep", spec, "--jobs", "1")
        XCTAssertEqual(run.status, 0, run.error)
        XCTAssertTrue(run.error.contains("[1/2] int8 buffers.weight_bytes=64: failed: q_proj"), run.error)
        XCTAssertTrue(run.error.contains("1 failed"), run.error)
        let failed = try mantsim("report", path("spec.sqlite"), "--failed")
        XCTAssertTrue(failed.output.contains("buffers.weight_bytes: holds 64 bytes"), failed.output)
        let rows = try csv(path("spec.sqlite")).split(separator: "\n")
        XCTAssertEqual(rows.count, 3)
        XCTAssertTrue(rows[1].contains(",failed,") && rows[2].contains(",ok,"), rows.joined(separator: "\n"))
        let retry = try mantsim("sweep", spec)
        XCTAssertTrue(retry.error.contains("1 to run, 1 already in"), "failed points run again: \(retry.error)")
    }

    func testAnInterruptedSweepLeavesWholeRowsAndResumes() throws {
        let spec = try self.spec("architectures: [int8, int4]\naxes:\n  array.rows: [8, 16, 32]\n")
        let process = Process()
        process.executableURL = CLITestCase.binary
        process.arguments = ["sweep", spec, "--jobs", "1"]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = Pipe()
        try process.run()
        var seen = ""
        while !seen.contains("[1/6]") {
            let data = error.fileHandleForReading.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
        }
        process.interrupt()
        seen += String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130, seen)
        XCTAssertTrue(seen.contains("interrupted:") && seen.contains("run the same command to resume"), seen)
        let partial = try csv(path("spec.sqlite")).split(separator: "\n").dropFirst()
        XCTAssertGreaterThanOrEqual(partial.count, 1)
        XCTAssertLessThan(partial.count, 6, "the interrupt came before the end")
        XCTAssertTrue(partial.allSatisfy { $0.contains(",ok,") }, "whole rows only, none recorded as failed by the interrupt")

        let resumed = try mantsim("sweep", spec, "--jobs", "2")
        XCTAssertEqual(resumed.status, 0, resumed.error)
        XCTAssertTrue(resumed.error.contains("\(6 - partial.count) to run, \(partial.count) already in"), resumed.error)
        let whole = try mantsim("sweep", spec, "--db", path("whole.sqlite"))
        XCTAssertEqual(whole.status, 0, whole.error)
        XCTAssertEqual(try csv(path("spec.sqlite")), try csv(path("whole.sqlite")), "interrupted and resumed gives the rows of one run")
    }

    func testDiffNamesTheMetricsThatMoved() throws {
        let base = try String(contentsOfFile: "\(GemmCommandTests.arch)/int8.yaml", encoding: .utf8)
        let arch = try write(base, "mine.yaml")
        let spec = try self.spec("architectures: [mine.yaml]\naxes:\n  array.rows: [16, 32]\n")
        XCTAssertEqual(try mantsim("sweep", spec, "--db", path("before.sqlite")).status, 0)
        try base.replacingOccurrences(of: "clock_mhz: 500", with: "clock_mhz: 1000").write(toFile: arch, atomically: true, encoding: .utf8)
        XCTAssertEqual(try mantsim("sweep", spec, "--db", path("after.sqlite")).status, 0)
        let diff = try mantsim("diff", path("before.sqlite"), path("after.sqlite"))
        XCTAssertEqual(diff.status, 0, diff.error)
        XCTAssertTrue(diff.output.hasPrefix("2 point phases in both (0 unchanged, 2 changed)"), diff.output)
        let csv = try mantsim("diff", path("before.sqlite"), path("after.sqlite"), "--csv")
        XCTAssertTrue(csv.output.hasPrefix("point,phase,metric,before,after,relative_change\n"), csv.output)
        // Twice the clock: each point's latency falls (not to half: DRAM time does not scale with it).
        let latency = csv.output.split(separator: "\n").filter { $0.contains(",latency_s,") }
        XCTAssertEqual(latency.count, 2, csv.output)
        for line in latency {
            let change = Double(line.split(separator: ",").last!)!
            XCTAssertTrue(change < 0 && change >= -0.5 - 1e-9, String(line))
        }
    }
}
