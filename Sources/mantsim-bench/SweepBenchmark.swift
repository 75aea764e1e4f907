import Foundation
import MantHardware
import MantSweep

/// A local sweep's speed: Configs/sweeps/rows-bandwidth.yaml (8 points, LLaMA-2-7B decode) run by
/// `mantsim sweep` with one worker and with one per core, against the same points run one after
/// another in this process with no database and no workers (the cost of the points alone).
enum SweepBenchmark {
    static func run(configs: String, mantsim: String) throws -> String {
        let spec = "\(configs)/sweeps/rows-bandwidth.yaml"
        let plan = try SweepPlan(spec: try SweepSpec.load(path: spec)) { name, kind in
            "\(configs)/\(kind)/\(name).\(kind == "models" ? "json" : "yaml")"
        }
        let rtl = try RTLModel.shared()
        var alone = 0.0
        for point in plan.points {
            let outcome = runPoint(point, label: point.label(varying: plan.varying), rtl: rtl)
            guard outcome.result != nil else { throw SweepError("\(outcome.label): \(outcome.error ?? "")") }
            alone += outcome.seconds ?? 0
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var inWorkers = [Int: Double]()
        func sweep(jobs: Int) throws -> Double {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: mantsim)
            process.arguments = ["sweep", spec, "--jobs", "\(jobs)", "--db", folder.appendingPathComponent("jobs\(jobs).sqlite").path]
            process.standardError = FileHandle.nullDevice
            let time = try seconds {
                try process.run()
                process.waitUntilExit()
            }
            guard process.terminationStatus == 0 else { throw SweepError("\(mantsim) sweep \(spec) --jobs \(jobs) failed (status \(process.terminationStatus))") }
            inWorkers[jobs] = try SweepDatabase(path: folder.appendingPathComponent("jobs\(jobs).sqlite").path, readOnly: true).pointSeconds()
            return time
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let one = try sweep(jobs: 1), all = try sweep(jobs: cores)
        let points = Double(plan.points.count)
        func row(_ label: String, _ time: Double) -> String {
            "| \(label) | \(String(format: "%.2f", time)) s | \(String(format: "%.2f", points / time)) | \(String(format: "%.3f", time / alone)) |"
        }
        return """
        <!-- bench:sweep:start -->
        ## Sweeps

        `mantsim sweep Configs/sweeps/rows-bandwidth.yaml` (\(plan.points.count) points: INT8 and M-ANT x 2 array heights x 2 DRAM widths,
        LLaMA-2-7B decode, prompt 256, 4 tokens) as a whole command (planning, checks, worker processes, one
        SQLite transaction per point), against the same points run one after another in one process with no
        database (`runPoint`), measured in the same run on \(cores) cores.

        | how | wall time | points/s | time / points alone |
        |---|---|---|---|
        \(row("points alone, in process", alone))
        \(row("`mantsim sweep --jobs 1`", one))
        \(row("`mantsim sweep --jobs \(cores)`", all))

        The points themselves took \(String(format: "%.2f", inWorkers[1]!)) s in the one worker (their own clocks, recorded in
        the database's `timings`), so the database, the worker process and the scheduling add
        \(String(format: "%.2f", one - inWorkers[1]!)) s to the \(plan.points.count) points: \(String(format: "%.0f", (one - inWorkers[1]!) / points * 1000)) ms a point, \(String(format: "%.1f", (one / inWorkers[1]! - 1) * 100))% of their time.
        Against the same points run alone in this process the whole command's time differs by \(String(format: "%+.1f", (one / alone - 1) * 100))%,
        which mostly measures the points' own run-to-run variation on this machine.

        Command: `make bench ONLY=sweep`.
        <!-- bench:sweep:end -->
        """
    }
}
