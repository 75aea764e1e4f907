import ArgumentParser
import Foundation
import MantConfig
import MantHardware
import MantSweep

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a design-space sweep from a spec file into a SQLite results database, here or on Slurm.",
        discussion: """
        The spec names architectures, a workload and axes: any architecture field by its path \
        (array.rows, dram.bits_per_cycle, buffers.weight_bytes, formats.weights, ...) or a workload \
        setting (model, phase, batch, prompt, tokens, energy, pe_area, dram_standard, seed, fidelity). Every \
        architecture runs with every combination of the axes. Constraints resize arrays to the \
        baseline's area (iso: area or chip) or drop points above an area (max_area_mm2).

            architectures: [int8, mant]
            model: llama-2-7b
            phase: decode
            prompt: 256
            tokens: 4
            axes:
              array.rows: [16, 32]
              dram.bits_per_cycle: [256, 1024]

        Each point's perplexity on a real model under its formats (weights, activations, KV cache; as         `mantsim compare` reports it, the same options) is recorded beside its cost once its points have run:         points with the same formats are evaluated once, and from the perplexity cache when it holds them.

        Every point is resolved and checked before any runs (whether each GEMM fits its buffers is checked when the point runs, or up front with --check-mapping). Each point's result is written in one \
        transaction to the database (--db, default: the spec's name with .sqlite). A rerun skips \
        the points already recorded (failed ones run again), so an interrupted sweep resumes where it \
        stopped. Points run in parallel worker processes (--jobs, default one per core).

        Examples:
          mantsim sweep Configs/sweeps/rows-bandwidth.yaml --dry-run
          mantsim sweep Configs/sweeps/rows-bandwidth.yaml --jobs 2
          mantsim sweep spec.yaml --backend slurm --partition cpu --time 02:00:00 --cpus-per-task 4 --dry-run
          mantsim sweep collect --db spec.sqlite spec.slurm/shard-*.sqlite
          mantsim report spec.sqlite --plot spec-report
        """,
        subcommands: [SweepRun.self, SweepCollect.self],
        defaultSubcommand: SweepRun.self
    )
}

enum SweepBackend: String, CaseIterable, ExpressibleByArgument {
    case local, slurm
}

struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a sweep spec's points (the default subcommand).")

    @Argument(help: "The sweep spec (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @Option(help: "The results database (SQLite); default: the spec's path with .sqlite.")
    var db: String?

    @Option(help: "Worker processes running points at once; default: one per core (SLURM_CPUS_PER_TASK inside a Slurm task).")
    var jobs: Int?

    @Flag(help: "List the points (and, for Slurm, print the batch script) without running anything or writing the database.")
    var dryRun = false

    @Flag(help: "Run every point again as a new run, even those already recorded (for `mantsim diff --runs`).")
    var rerun = false

    @Option(help: "local: worker processes on this machine. slurm: a job array of tasks, each running a chunk of the points into a database shard, collected into --db when they end (with --wait) or by `mantsim sweep collect`.")
    var backend: SweepBackend = .local

    @Option(help: "Run only chunk I of N (I/N, from 1): every Nth point; what each Slurm task runs.")
    var chunk: String?

    @Option(help: "Slurm: tasks in the job array; default: one per 4 points, at most 64.")
    var tasks: Int?

    @Option(help: "Slurm: the partition (sbatch --partition).")
    var partition: String?

    @Option(help: "Slurm: each task's time limit (sbatch --time), as HH:MM:SS or D-HH:MM:SS.")
    var time: String?

    @Option(help: "Slurm: cores per task (sbatch --cpus-per-task); each task runs that many workers.")
    var cpusPerTask: Int = 1

    @Flag(help: "Slurm: wait for the job array to end (sbatch --wait), then collect its shards into --db.")
    var wait = false

    @Option(help: "The most points a spec may make before it is planned (architectures x every axis's values); each point is resolved and checked before any runs.")
    var maxPoints: Int = SweepPlan.defaultMaxPoints

    @Flag(name: .customLong("check-mapping"), help: "Before running, also plan every GEMM of every point on its array (buffer fits), which quantizes each point's operands: about as long as running them. Without it, a point whose GEMM does not fit is recorded as failed when it runs.")
    var checkMapping = false

    @OptionGroup(title: "Perplexity") var evaluation: EvaluationOptions

    @Option(help: .hidden) var done: String?
    @Flag(help: .hidden) var worker = false

    func validate() throws {
        if let jobs { try OptionBounds.check("sweep", "--jobs", jobs) }
        try OptionBounds.check("sweep", "--max-points", maxPoints)
        if let tasks { try OptionBounds.check("sweep", "--tasks", tasks) }
        try OptionBounds.check("sweep", "--cpus-per-task", cpusPerTask)
        if chunk != nil && parsedChunk == nil { throw ValidationError("--chunk takes I/N with 1 <= I <= N, such as 3/8, got '\(chunk!)'") }
        if backend == .local && (partition != nil || time != nil || wait || tasks != nil) {
            throw ValidationError("--partition, --time, --tasks and --wait are for --backend slurm")
        }
        if backend == .slurm && chunk != nil { throw ValidationError("--chunk is what each Slurm task runs; give it with --backend local") }
        if let time, time.isEmpty || !time.allSatisfy({ $0.isNumber || $0 == ":" || $0 == "-" }) {
            throw ValidationError("--time takes a Slurm time such as 02:00:00 or 1-00:00:00, got '\(time)'")
        }
        if let partition, partition.isEmpty || !partition.allSatisfy({ $0.isLetter || $0.isNumber || "_-.,".contains($0) }) {
            throw ValidationError("--partition takes a Slurm partition name, got '\(partition)'")
        }
    }

    var parsedChunk: (Int, Int)? {
        guard let chunk else { return nil }
        let parts = chunk.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let part = parts[0], let count = parts[1], count >= 1, (1...count).contains(part) else { return nil }
        return (part, count)
    }

    var databasePath: String {
        if let db { return db }
        let url = URL(fileURLWithPath: spec)
        return url.deletingPathExtension().appendingPathExtension("sqlite").path
    }

    func run() throws {
        let spec = try SweepSpec.load(path: URL(fileURLWithPath: self.spec).standardized.path)
        let plan = try SweepPlan(spec: spec, maxPoints: maxPoints) { name, kind in try BundledConfig.path(name, kind: BundledConfig.Kind(rawValue: kind)!) }
        if worker {
            SweepWorker.serve(plan, rtl: try RTLModel.shared())
            return
        }
        try plan.check(rtl: try RTLModel.shared(), mapping: checkMapping)
        var points = plan.points
        if let (part, count) = parsedChunk { points = plan.chunk(part, of: count) }
        let exists = FileManager.default.fileExists(atPath: databasePath)
        let database = dryRun && !exists ? nil : try SweepDatabase(path: databasePath, readOnly: dryRun)
        var completed = rerun ? [] : try database?.completedKeys() ?? []
        if let done, !rerun, FileManager.default.fileExists(atPath: done) {
            completed.formUnion(try SweepDatabase(path: done, readOnly: true).completedKeys())
        }
        let toRun = points.filter { !completed.contains($0.key) }
        let workers = jobs ?? ProcessInfo.processInfo.environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
        printErr(header(plan, points: points, toRun: toRun.count, workers: workers) + estimate(toRun, database: database, workers: workers))
        if dryRun {
            var table = TextTable(header: ["point", "architecture", "settings", "status"])
            for point in points {
                table.rows.append(["\(point.index)", point.architectureName,
                                   point.settings.filter { plan.varying.contains($0.axis) }.map { "\($0.axis)=\($0.text)" }.joined(separator: " "),
                                   completed.contains(point.key) ? "recorded" : "to run"])
            }
            print(table.render())
            if backend == .slurm { print("", try slurmJob(plan, points: toRun.count).script, separator: "\n") }
            return
        }
        if toRun.isEmpty {
            printErr("nothing to run: every point is in \(databasePath)")
        } else {
            switch backend {
            case .local: try runLocally(plan, points: toRun, database: database!, workers: workers)
            case .slurm: try slurmJob(plan, points: toRun.count).submit(log: printErr)
            }
        }
        if backend == .local || wait { try recordPerplexity(points, database: backend == .local ? database! : try SweepDatabase(path: databasePath)) }
    }

    /// The perplexity of every recorded point that has none yet, each distinct set of formats evaluated once.
    private func recordPerplexity(_ points: [SweepPoint], database: SweepDatabase) throws {
        try database.recordPerplexity(of: points, measure: {
            guard let session = try evaluation.session() else { return nil }
            return (session, "\(session.model) on \(session.text), \(session.ids) tokens in windows of \(evaluation.evalContext)")
        }, log: printErr)
    }

    private func slurmJob(_ plan: SweepPlan, points: Int) throws -> SlurmJob {
        SlurmJob(specPath: plan.spec.path, specPoints: plan.points.count, points: points, databasePath: databasePath, tasks: tasks, cpusPerTask: cpusPerTask,
                 partition: partition, time: time, wait: wait, executable: try executablePath(),
                 passedOptions: ["--max-points", "\(maxPoints)"] + evaluation.arguments)
    }

    private func header(_ plan: SweepPlan, points: [SweepPoint], toRun: Int, workers: Int) -> String {
        let shape = ["\(plan.spec.architectures.count) architecture\(plan.spec.architectures.count == 1 ? "" : "s")"]
            + plan.spec.axes.filter { $0.values.count > 1 }.map { "\($0.values.count) \($0.name)" }
        var line = "\(plan.spec.path): \(plan.points.count) points (\(shape.joined(separator: " x ")))"
        if plan.dropped > 0 { line += ", \(plan.dropped) left out by exclude or constraints" }
        if let chunk { line += "; chunk \(chunk): \(points.count)" }
        line += "; \(toRun) to run, \(points.count - toRun) already in \(databasePath)"
        if backend == .local { line += "; \(min(workers, max(toRun, 1))) worker\(workers == 1 ? "" : "s")" }
        return line
    }

    /// From the recorded points' median time per architecture; otherwise once the first point of
    /// each architecture (they run first) has ended.
    private func estimate(_ points: [SweepPoint], database: SweepDatabase?, workers: Int) -> String {
        guard !points.isEmpty else { return "" }
        let medians = (try? database?.medianSeconds()) ?? [:]
        if let left = SweepEstimate(points: points, workers: workers, recorded: medians).secondsLeft {
            return "\nestimate: \(duration(left)) (each architecture's median time per recorded point)"
        }
        let architectures = Set(points.map(\.architectureName)).count
        return "\nestimate: after the first point of each architecture (\(architectures) point\(architectures == 1 ? "" : "s"), run first)"
    }

    private func runLocally(_ plan: SweepPlan, points: [SweepPoint], database: SweepDatabase, workers: Int) throws {
        let runID = try database.beginRun(spec: plan.spec, backend: "local", chunk: chunk)
        var arguments = ["sweep", plan.spec.path, "--worker", "--max-points", "\(maxPoints)"]
        if let done { arguments += ["--done", done] }
        let sweep = LocalSweep(plan: plan, database: database, runID: runID, worker: (try executablePath(), arguments), jobs: workers)
        sweep.rerun = rerun
        let terminal = isatty(STDERR_FILENO) == 1
        var estimate = SweepEstimate(points: points, workers: workers, recorded: (try? database.medianSeconds()) ?? [:])
        var announced = estimate.secondsLeft != nil
        sweep.progress = { done, total, failed, elapsed, outcome in
            estimate.finished(outcome)
            let left = estimate.secondsLeft
            if !terminal, !announced, let left {
                announced = true
                printErr("estimate: \(duration(left)) left (the first point of each architecture has ended)")
            }
            let eta = done < total ? ", ETA \(left.map(duration) ?? "-")" : ""
            if terminal {
                let width = 24, filled = width * done / max(total, 1)
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(done)/\(total) points, \(failed) failed, \(duration(elapsed))\(eta)".utf8))
            } else {
                let lines = (outcome.error ?? "").split(separator: "\n")
                let first = (lines.first.map(String.init) ?? "") + (lines.count > 1 ? " (and \(lines.count - 1) more lines: report --failed)" : "")
                let status = outcome.result == nil ? "failed: \(first)" : String(format: "ok (%.1f s)", outcome.seconds ?? 0)
                printErr("[\(done)/\(total)] \(outcome.label): \(status)")
            }
        }
        let summary = try sweep.run(points)
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let rate = summary.seconds > 0 ? String(format: "%.2f", Double(summary.recorded) / summary.seconds) : "-"
        printErr("\(summary.recorded) point\(summary.recorded == 1 ? "" : "s") recorded in \(databasePath) (run \(runID)) in \(duration(summary.seconds)), "
            + "\(rate) points/s" + (summary.failed > 0 ? "; \(summary.failed) failed (their errors: mantsim report \(databasePath) --failed)" : ""))
        if summary.leftToOthers > 0 {
            printErr("\(summary.leftToOthers) point\(summary.leftToOthers == 1 ? " was" : "s were") run by another sweep on \(databasePath)")
        }
        if summary.interrupted {
            printErr("interrupted: \(points.count - summary.recorded) points left; run the same command to resume")
            throw ExitCode(130)
        }
    }
}

struct SweepCollect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Merge results databases (Slurm tasks' shards) into one.",
        discussion: "Points already recorded in --db are kept; the shards are only read.\n\nExample:\n  mantsim sweep collect --db spec.sqlite spec.slurm/shard-*.sqlite"
    )

    @Option(help: "The database to merge into (created when missing).")
    var db: String

    @Argument(help: "The databases to merge from.")
    var shards: [String]

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the shard databases to collect") }
    }

    func run() throws {
        let copied = try SweepDatabase.collect(shards, into: db)
        printErr("collected \(copied) point\(copied == 1 ? "" : "s") from \(shards.count) database\(shards.count == 1 ? "" : "s") into \(db)")
    }
}

/// This program's own file, for worker processes and batch scripts.
func executablePath() throws -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    return URL(fileURLWithPath: CommandLine.arguments[0]).standardized.path
}

func printErr(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// "1:02:03", "2:05" or "4.2 s".
func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "-" }
    if seconds < 60 { return String(format: "%.1f s", seconds) }
    let whole = Int(seconds.rounded())
    return whole >= 3600 ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60) : String(format: "%d:%02d", whole / 60, whole % 60)
}
