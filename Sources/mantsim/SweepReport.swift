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

/// The changes between two runs, as a table or CSV.
extension SweepDiff {
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
            for (title, points) in [("time and energy per token", SweepFront.pareto(phaseRows)),
                                    ("time and energy per token and area", SweepFront.front(phaseRows, [{ $0.secondsPerToken }, { $0.energyPerToken }, { $0.areaMM2 }])),
                                    ("perplexity and energy per token", SweepFront.accuracy(phaseRows))] {
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

/// One architecture against the others, as a table or CSV.
extension SweepAgainst {
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

extension SweepAgainst.Ratios {
    /// Geometric mean (lowest-highest) of the speedups and the energy reductions, and the count.
    func cells() -> [String] {
        guard !speedups.isEmpty else { return ["-", "-", "-", "0"] }
        func range(_ values: [Double]) -> String { String(format: "%.2fx-%.2fx", values.min()!, values.max()!) }
        return [String(format: "%.2fx", SweepAgainst.Ratios.geomean(speedups)) + " (\(range(speedups)))",
                String(format: "%.2fx", SweepAgainst.Ratios.geomean(reductions)) + " (\(range(reductions)))", "\(speedups.count)"]
    }
}
