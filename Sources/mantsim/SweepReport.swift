import ArgumentParser
import Foundation
import MantSweep
import MantTensorIO

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a sweep's results database: the best points per objective, the Pareto front, charts and CSV.",
        discussion: """
        For each phase: the best point by latency, tokens/s, energy, energy per token, energy-delay \
        product, area and perplexity, and the points on the Pareto front of time and energy per token (no other \
        point is at least as fast and as frugal per token; for one workload, latency and energy), \
        then of those two and area, then of perplexity and energy per token (the perplexity of a real \
        model under each point's formats, which `mantsim sweep` records). --plot writes two SVG charts: PREFIX-pareto.svg \
        (energy per token and area against time per token, perplexity against energy per token, each front marked) and \
        PREFIX-throughput.svg (tokens/s against batch, or against prompt length when batch does \
        not vary: per architecture, the best over the other axes).

        --against ARCH prints instead how ARCH compares with every other architecture: its speedup \
        (their latency over its) and energy reduction (their energy over its) at each point they \
        share (the same workload and axis values), as geometric means per phase and overall, with \
        the lowest and highest.

        Examples:
          mantsim report sweep.sqlite
          mantsim report sweep.sqlite --against mant
          mantsim report sweep.sqlite --plot out/sweep
          mantsim report sweep.sqlite --csv > sweep.csv
          mantsim report sweep.sqlite --failed
        """
    )

    @Argument(help: "The results database.")
    var db: String

    @Option(name: .customLong("run"), help: "Only the points of this run (see the runs listed at the top).")
    var runID: Int64?

    @Flag(help: "Print every point and phase as CSV instead.")
    var csv = false

    @Flag(help: "List the failed points and their errors.")
    var failed = false

    @Option(help: "Write SVG charts PREFIX-pareto.svg and PREFIX-throughput.svg.")
    var plot: String?

    @Option(help: "Compare this architecture (as the spec names it) with every other: geometric-mean speedup and energy reduction per phase and overall.")
    var against: String?

    func run() throws {
        let charts = plot.map { ["\($0)-pareto.svg", "\($0)-throughput.svg"] } ?? []
        for chart in charts { do { try OutputFile.check(chart) } catch { throw CLIError("--plot \(error)") } }
        let database = try SweepDatabase(path: db, readOnly: true)
        let rows = try database.rows(run: runID)
        if let run = runID, rows.isEmpty { throw CLIError("\(db): no run \(run) (see `mantsim report \(db)`)") }
        if let against {
            let comparison = try SweepAgainst(rows: rows, architecture: against, database: db)
            print(csv ? comparison.csv() : comparison.text(), terminator: csv ? "" : "\n")
            return
        }
        if csv {
            print(SweepTables.csv(rows), terminator: "")
            return
        }
        if failed {
            let failures = rows.filter { !$0.ok }
            print(failures.isEmpty ? "no failed points" : failures.map { "point \($0.index) \($0.label) (run \($0.runID)):\n  \($0.error ?? "")" }.joined(separator: "\n"))
            return
        }
        print(SweepTables.text(rows, runs: try database.runs(), database: db))
        let ok = rows.filter { $0.ok && $0.phase != nil }
        if !charts.isEmpty {
            guard !ok.isEmpty else { throw CLIError("--plot: \(db) has no successful points to chart") }
            try SweepReportChart(rows: ok).pareto().writeAtomically(to: charts[0])
            try SweepReportChart(rows: ok).throughput().writeAtomically(to: charts[1])
            printErr("charts: \(charts.joined(separator: ", "))")
        }
    }
}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what changed between two runs of the same points: two databases, or two runs of one.",
        discussion: """
        Points are matched by their inputs (architecture, axis values, workload), not by run or tool \
        version. Each metric that moved is listed with its relative change; points in one run only \
        are counted.

        Examples:
          mantsim diff before.sqlite after.sqlite
          mantsim diff sweep.sqlite --runs 1 2
        """
    )

    @Argument(help: "One database (with --runs) or two.")
    var databases: [String]

    @Option(parsing: .upToNextOption, help: "Two run ids of the one database.")
    var runs: [Int64] = []

    @Option(help: "Relative change below which a metric counts as unchanged.")
    var tolerance: Double = 0

    @Flag(help: "CSV of every changed metric instead of a table.")
    var csv = false

    func validate() throws {
        if runs.isEmpty && databases.count != 2 { throw ValidationError("give two databases, or one database and --runs A B") }
        if !runs.isEmpty && (runs.count != 2 || databases.count != 1) { throw ValidationError("--runs takes two run ids of one database") }
        if !(0...1).contains(tolerance) { throw ValidationError("--tolerance takes 0 to 1, got \(tolerance)") }
    }

    func run() throws {
        let first = try SweepDatabase(path: databases[0], readOnly: true)
        let second = databases.count == 2 ? try SweepDatabase(path: databases[1], readOnly: true) : first
        let before = try first.rows(run: runs.first), after = try second.rows(run: runs.count == 2 ? runs[1] : nil)
        for (rows, name) in [(before, runs.first.map { "run \($0)" } ?? databases[0]), (after, runs.count == 2 ? "run \(runs[1])" : databases.last!)]
        where rows.isEmpty {
            throw CLIError("\(name): no points recorded")
        }
        let names = runs.isEmpty ? (databases[0], databases[1]) : ("run \(runs[0])", "run \(runs[1])")
        let diff = SweepDiff(before: before, after: after, tolerance: tolerance)
        print(csv ? diff.csv() : diff.text(names: names), terminator: csv ? "" : "\n")
    }
}

/// Points of two runs matched by inputs and phase, and the metrics that differ.
struct SweepDiff {
    struct Change { var label: String, phase: String, metric: String, before: String, after: String, relative: Double? }

    var changes = [Change]()
    var matched = 0, onlyBefore = 0, onlyAfter = 0, unchanged = 0

    static let metrics: [(String, (SweepRow) -> Double?)] = [
        ("latency_s", { $0.latencySeconds }), ("tokens_per_s", { $0.tokensPerSecond }), ("energy_j", { $0.energyJoules }),
        ("cycles", { $0.cycles.map(Double.init) }), ("utilization", { $0.utilization }),
        ("dram_bits", { row in row.dramReadBits.flatMap { read in row.dramWriteBits.map { Double(read + $0) } } }),
        ("area_mm2", { $0.areaMM2 }), ("weight_sqnr_db", { $0.weightSQNR }), ("kv_sqnr_db", { $0.kvSQNR }),
        ("perplexity", { $0.perplexity }),
    ]

    init(before: [SweepRow], after: [SweepRow], tolerance: Double) {
        func key(_ row: SweepRow) -> String { row.inputs + "\u{2}" + (row.phase ?? "") }
        var later = [String: SweepRow]()
        for row in after { later[key(row)] = row }
        var seen = Set<String>()
        for old in before {
            let id = key(old)
            guard seen.insert(id).inserted else { continue }
            guard let new = later[id] else { onlyBefore += 1; continue }
            matched += 1
            var changed = false
            if old.ok != new.ok {
                changes.append(Change(label: old.label, phase: old.phase ?? "-", metric: "status", before: old.ok ? "ok" : "failed",
                                      after: new.ok ? "ok" : "failed", relative: nil))
                changed = true
            }
            for (metric, value) in SweepDiff.metrics {
                let (a, b) = (value(old), value(new))
                if a == b { continue }
                let relative = a.flatMap { a in b.map { b in a == 0 ? (b == 0 ? 0 : .infinity) : (b - a) / abs(a) } }
                if let relative, abs(relative) <= tolerance { continue }
                changes.append(Change(label: old.label, phase: old.phase ?? "-", metric: metric, before: a.map { "\($0)" } ?? "-",
                                      after: b.map { "\($0)" } ?? "-", relative: relative))
                changed = true
            }
            if !changed { unchanged += 1 }
        }
        onlyAfter = Set(after.map(key)).subtracting(before.map(key)).count
    }

    func text(names: (String, String)) -> String {
        var lines = ["\(matched) point phases in both (\(unchanged) unchanged, \(matched - unchanged) changed); "
            + "\(onlyBefore) only in \(names.0), \(onlyAfter) only in \(names.1)"]
        guard !changes.isEmpty else { return lines.joined(separator: "\n") }
        var table = TextTable(header: ["point", "phase", "metric", names.0, names.1, "change"])
        for change in changes {
            table.rows.append([change.label, change.phase, change.metric, change.before, change.after,
                               change.relative.map { $0.isFinite ? String(format: "%+.3f%%", $0 * 100) : "new" } ?? "-"])
        }
        lines += ["", table.render()]
        return lines.joined(separator: "\n")
    }

    func csv() -> String {
        (["point,phase,metric,before,after,relative_change"] + changes.map {
            [SweepTables.field($0.label), $0.phase, $0.metric, $0.before, $0.after, $0.relative.map { "\($0)" } ?? ""].joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }
}

/// Text and CSV views of a results database.
enum SweepTables {
    static let objectives: [(name: String, unit: String, lowerIsBetter: Bool, value: (SweepRow) -> Double?)] = [
        ("latency", "ms", true, { $0.latencySeconds.map { $0 * 1e3 } }),
        ("tokens/s", "", false, { $0.tokensPerSecond }),
        ("energy", "mJ", true, { $0.energyJoules.map { $0 * 1e3 } }),
        ("energy/token", "mJ", true, { $0.energyPerToken.map { $0 * 1e3 } }),
        ("energy x delay", "mJ*s", true, { row in row.energyJoules.flatMap { e in row.latencySeconds.map { e * 1e3 * $0 } } }),
        ("area", "mm^2", true, { $0.areaMM2 }),
        ("perplexity", "", true, { $0.perplexity }),
    ]

    static func text(_ rows: [SweepRow], runs: [SweepRunRecord], database: String) -> String {
        let points = Set(rows.map { "\($0.runID) \($0.index)" }).count
        let failures = Set(rows.filter { !$0.ok }.map { "\($0.runID) \($0.index)" }).count
        var lines = ["\(database): \(points) points, \(failures) failed" + (failures > 0 ? " (--failed lists them)" : "")]
        var runTable = TextTable(header: ["run", "started", "backend", "chunk", "points", "mantsim", "spec"])
        for run in runs {
            runTable.rows.append(["\(run.id)", run.startedAt, run.backend, run.chunk ?? "-", "\(run.points)", run.toolVersion, run.spec])
        }
        lines += ["", runTable.render()]
        for phase in ["prefill", "decode"] {
            let phaseRows = rows.filter { $0.ok && $0.phase == phase }
            guard !phaseRows.isEmpty else { continue }
            var best = TextTable(header: ["objective", "best", "value", "point"])
            for objective in objectives {
                let candidates = phaseRows.compactMap { row in objective.value(row).map { (row, $0) } }
                guard let winner = candidates.min(by: { objective.lowerIsBetter ? $0.1 < $1.1 : $0.1 > $1.1 }) else { continue }
                best.rows.append([objective.name, objective.lowerIsBetter ? "lowest" : "highest",
                                  "\(number(winner.1))\(objective.unit.isEmpty ? "" : " \(objective.unit)")", winner.0.label])
            }
            lines += ["", "\(phase): best points", best.render()]
            let measured = phaseRows.filter { $0.perplexity != nil }
            if let source = measured.first?.perplexitySource {
                let sources = Set(measured.compactMap(\.perplexitySource))
                lines += ["", "\(phase): perplexity of \(sources.count == 1 ? source : "\(sources.count) evaluations (see --csv)") under each point's formats, "
                    + "\(measured.count) of \(phaseRows.count) points measured"]
            }
            for (title, points) in [("time and energy per token", pareto(phaseRows)),
                                    ("time and energy per token and area", front(phaseRows, [{ $0.secondsPerToken }, { $0.energyPerToken }, { $0.areaMM2 }])),
                                    ("perplexity and energy per token", accuracyFront(phaseRows))] {
                var table = TextTable(header: ["point", "latency (ms)", "energy (mJ)", "mJ/token", "tokens/s", "area (mm^2)", "weight SQNR (dB)", "KV SQNR (dB)", "perplexity", "vs FP32"])
                for row in points {
                    table.rows.append([row.label, number((row.latencySeconds ?? 0) * 1e3), number((row.energyJoules ?? 0) * 1e3),
                                       row.energyPerToken.map { number($0 * 1e3) } ?? "-",
                                       number(row.tokensPerSecond ?? 0), row.areaMM2.map(number) ?? "-", row.weightSQNR.map { String(format: "%.2f", $0) } ?? "-",
                                       row.kvSQNR.map { String(format: "%.2f", $0) } ?? "-", row.perplexity.map(number) ?? "-",
                                       row.perplexity.flatMap { value in row.perplexityFP32.map { String(format: "%+.2f%%", 100 * (value / $0 - 1)) } } ?? "-"])
                }
                if table.rows.isEmpty { continue }
                lines += ["", "\(phase): Pareto front of \(title) (\(table.rows.count) of \(phaseRows.count) points)", table.render()]
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Points no other point beats on both time and energy per token (for one workload, latency
    /// and energy), fastest first.
    static func pareto(_ rows: [SweepRow]) -> [SweepRow] { front(rows, [{ $0.secondsPerToken }, { $0.energyPerToken }]) }

    /// Points no other point beats on both perplexity and energy per token (points without a
    /// perplexity left out), fastest first.
    static func accuracyFront(_ rows: [SweepRow]) -> [SweepRow] { front(rows, [{ $0.perplexity }, { $0.energyPerToken }]) }

    /// Points that no other point matches or beats on every objective and beats on one (lower is
    /// better), fastest first; points missing an objective are left out.
    static func front(_ rows: [SweepRow], _ objectives: [(SweepRow) -> Double?]) -> [SweepRow] {
        let scored = rows.compactMap { row -> (SweepRow, [Double])? in
            let values = objectives.compactMap { $0(row) }
            return values.count == objectives.count ? (row, values) : nil
        }
        return scored.filter { candidate in
            !scored.contains { other in
                zip(other.1, candidate.1).allSatisfy { $0 <= $1 } && zip(other.1, candidate.1).contains { $0 < $1 }
            }
        }.map(\.0).sorted { ($0.secondsPerToken ?? 0, $0.index, $0.runID) < ($1.secondsPerToken ?? 0, $1.index, $1.runID) }
    }

    static func number(_ value: Double) -> String {
        value == 0 ? "0" : abs(value) >= 1000 || abs(value) < 0.01 ? String(format: "%.4g", value) : String(format: "%.3f", value)
    }

    static let csvHeader = ["point", "architecture", "label", "fields", "model", "phases", "batch", "prompt", "tokens", "energy_table", "pe_area", "dram_standard",
                            "seed", "fidelity", "mantsim", "key", "status", "error", "array", "weight_format", "kv_format", "area_mm2",
                            "weight_sqnr_db", "kv_sqnr_db", "perplexity", "perplexity_fp32", "perplexity_source", "phase", "cycles", "latency_s", "tokens_per_s", "energy_j", "utilization",
                            "dram_read_bits", "dram_write_bits"]

    static func csv(_ rows: [SweepRow]) -> String {
        func value<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "" }
        return ([csvHeader.joined(separator: ",")] + rows.map { row in
            [value(row.index), field(row.architecture), field(row.label), field(row.fields), field(row.model), row.phases, value(row.batch),
             value(row.prompt), value(row.tokens), field(row.energyTable), row.peArea, value(row.dramStandard), value(row.seed), row.fidelity, row.toolVersion,
             row.key, row.ok ? "ok" : "failed", field((row.error ?? "").replacingOccurrences(of: "\n", with: "; ")), value(row.array), value(row.weightFormat), value(row.kvFormat),
             value(row.areaMM2), value(row.weightSQNR), value(row.kvSQNR), value(row.perplexity), value(row.perplexityFP32),
             field(row.perplexitySource ?? ""), value(row.phase), value(row.cycles), value(row.latencySeconds),
             value(row.tokensPerSecond), value(row.energyJoules), value(row.utilization), value(row.dramReadBits), value(row.dramWriteBits)]
                .joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    static func field(_ text: String) -> String {
        text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}

extension SweepRow {
    /// 1 / tokens/s: the phase's time per token it processes or generates.
    var secondsPerToken: Double? { tokensPerSecond.flatMap { $0 > 0 ? 1 / $0 : nil } }
    /// The phase's energy over the tokens it processes or generates.
    var energyPerToken: Double? {
        guard let energy = energyJoules, let rate = tokensPerSecond, let latency = latencySeconds, rate * latency > 0 else { return nil }
        return energy / (rate * latency)
    }
}

/// One architecture against each other one over the points they share: geometric means of the
/// speedup (their latency over its) and energy reduction (their energy over its), per phase and over
/// all phases, with the extremes. Where a point ran more than once, its latest run counts.
struct SweepAgainst {
    struct Ratios {
        var speedups = [Double](), reductions = [Double]()
        static func geomean(_ values: [Double]) -> Double { exp(values.map(log).reduce(0, +) / Double(values.count)) }
        func cells() -> [String] {
            guard !speedups.isEmpty else { return ["-", "-", "-", "0"] }
            func range(_ values: [Double]) -> String { String(format: "%.2fx-%.2fx", values.min()!, values.max()!) }
            return [String(format: "%.2fx", Ratios.geomean(speedups)) + " (\(range(speedups)))",
                    String(format: "%.2fx", Ratios.geomean(reductions)) + " (\(range(reductions)))", "\(speedups.count)"]
        }
    }

    let architecture: String
    let database: String
    /// Other architecture -> phase ("all" too) -> ratios.
    var ratios = [String: [String: Ratios]]()
    var others = [String]()

    init(rows: [SweepRow], architecture: String, database: String) throws {
        (self.architecture, self.database) = (architecture, database)
        let ok = rows.filter { $0.ok && $0.phase != nil && ($0.latencySeconds ?? 0) > 0 && ($0.energyJoules ?? 0) > 0 }
        let names = ok.reduce(into: [String]()) { if !$0.contains($1.architecture) { $0.append($1.architecture) } }
        guard names.contains(architecture) else {
            throw CLIError("--against \(architecture): \(database) has no successful point of it (its architectures: \(names.joined(separator: ", ")))")
        }
        // The shared inputs less the architecture, and the phase.
        func key(_ row: SweepRow) -> String {
            ([row.fields, row.model, row.phases, "\(row.batch)", "\(row.prompt)", "\(row.tokens)", row.energyTable, row.peArea,
              row.dramStandard ?? "", "\(row.seed)", row.fidelity, row.phase ?? ""]).joined(separator: "\u{1}")
        }
        var latest = [String: [String: SweepRow]]()
        for row in ok {
            if let existing = latest[row.architecture]?[key(row)], existing.runID > row.runID { continue }
            latest[row.architecture, default: [:]][key(row)] = row
        }
        others = names.filter { $0 != architecture }
        for other in others {
            for (point, mine) in latest[architecture] ?? [:] {
                guard let theirs = latest[other]?[point] else { continue }
                let speedup = theirs.latencySeconds! / mine.latencySeconds!, reduction = theirs.energyJoules! / mine.energyJoules!
                for phase in [mine.phase!, "all"] {
                    ratios[other, default: [:]][phase, default: Ratios()].speedups.append(speedup)
                    ratios[other, default: [:]][phase, default: Ratios()].reductions.append(reduction)
                }
            }
        }
        if ratios.isEmpty { throw CLIError("--against \(architecture): no point of \(database) has both it and another architecture at the same settings") }
    }

    var phases: [String] { ["prefill", "decode", "all"].filter { phase in ratios.values.contains { $0[phase] != nil } } }

    func text() -> String {
        var lines = ["\(database): \(architecture) against each architecture at the points they share (speedup: their latency over \(architecture)'s; "
            + "energy reduction: their energy over \(architecture)'s; geometric mean, lowest-highest)"]
        var table = TextTable(header: ["against", "phase", "speedup", "energy reduction", "points"])
        for other in others {
            for phase in phases { table.rows.append([other, phase] + (ratios[other]?[phase] ?? Ratios()).cells()) }
        }
        var all = Ratios()
        for other in others { all.speedups += ratios[other]?["all"]?.speedups ?? []; all.reductions += ratios[other]?["all"]?.reductions ?? [] }
        table.rows.append(["every other", "all"] + all.cells())
        lines += ["", table.render()]
        return lines.joined(separator: "\n")
    }

    func csv() -> String {
        var lines = ["architecture,against,phase,points,speedup_geomean,speedup_min,speedup_max,energy_reduction_geomean,energy_reduction_min,energy_reduction_max"]
        for other in others {
            for phase in phases {
                guard let r = ratios[other]?[phase], !r.speedups.isEmpty else { continue }
                lines.append([SweepTables.field(architecture), SweepTables.field(other), phase, "\(r.speedups.count)",
                              "\(Ratios.geomean(r.speedups))", "\(r.speedups.min()!)", "\(r.speedups.max()!)",
                              "\(Ratios.geomean(r.reductions))", "\(r.reductions.min()!)", "\(r.reductions.max()!)"].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
