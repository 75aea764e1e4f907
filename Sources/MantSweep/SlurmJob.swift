import Foundation
import MantTensorIO

/// A sweep as a Slurm job array: each task runs chunk i of n of the points into a database shard of
/// its own (skipping those already in the main database), and the shards are collected into it
/// when the tasks end (with `wait`) or by `mantsim sweep collect`.
public struct SlurmJob {
    public let specPath: String
    /// The spec's points, and those to run (which the tasks share).
    public let specPoints: Int
    public let points: Int
    /// The main database; the shards and the batch script go to a folder beside it.
    public let databasePath: String
    public let tasks: Int
    public let cpusPerTask: Int
    public let partition: String?
    public let time: String?
    public let wait: Bool
    /// This program, and the options every task passes on (the perplexity evaluation's).
    public let executable: String
    public let passedOptions: [String]
    public let folder: String

    /// `tasks` nil: one task per 4 points, at most 64; never more tasks than points.
    public init(specPath: String, specPoints: Int, points: Int, databasePath: String, tasks: Int?, cpusPerTask: Int, partition: String?, time: String?,
                wait: Bool, executable: String, passedOptions: [String]) {
        self.specPath = specPath
        self.specPoints = specPoints
        self.points = points
        self.databasePath = URL(fileURLWithPath: databasePath).standardized.path
        self.tasks = min(tasks ?? min(64, max(1, (points + 3) / 4)), max(points, 1))
        self.cpusPerTask = cpusPerTask
        self.partition = partition
        self.time = time
        self.wait = wait
        self.executable = executable
        self.passedOptions = passedOptions
        folder = URL(fileURLWithPath: databasePath).deletingPathExtension().appendingPathExtension("slurm").standardized.path
    }

    public var script: String {
        var lines = ["#!/bin/bash", "#SBATCH --job-name=mantsim-sweep", "#SBATCH --array=1-\(tasks)", "#SBATCH --cpus-per-task=\(cpusPerTask)",
                     "#SBATCH --chdir=\(FileManager.default.currentDirectoryPath)", "#SBATCH --output=\(folder)/task-%a.log"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        lines += [
            "# \(specPoints) points of \(specPath), chunk i of \(tasks) per task, each into its own shard;",
            "# then: mantsim sweep collect --db \(databasePath) \(folder)/shard-*.sqlite",
            "set -euo pipefail",
            "exec \(SlurmJob.quoted(executable)) sweep \(SlurmJob.quoted(specPath)) --chunk \"$SLURM_ARRAY_TASK_ID/\(tasks)\" "
                + "--jobs \"${SLURM_CPUS_PER_TASK:-1}\" --db \(SlurmJob.quoted(folder))/shard-\"$SLURM_ARRAY_TASK_ID\".sqlite --done \(SlurmJob.quoted(databasePath))"
                + passedOptions.map { " " + SlurmJob.quoted($0) }.joined(),
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the batch script and submits it with sbatch. Without `wait` returns the job's id at
    /// once; with it, waits for the tasks to end and collects their shards into the database.
    public func submit(log: (String) -> Void) throws {
        guard let sbatch = SlurmJob.findExecutable("sbatch") else {
            throw SweepError("--backend slurm: sbatch is not on PATH (install Slurm's client, e.g. Debian's slurm-client, or run on a login node)")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let scriptPath = "\(folder)/sweep.sbatch"
        try OutputFile.write(script, to: scriptPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sbatch)
        process.arguments = ["--parsable"] + (wait ? ["--wait"] : []) + [scriptPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        if wait { log("submitted \(tasks) Slurm tasks (\(scriptPath)); waiting for them to end ...") }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        let job = text.split(separator: ";").first.map(String.init) ?? text
        guard process.terminationStatus == 0 else {
            throw SweepError("sbatch \(scriptPath) failed (status \(process.terminationStatus))\(job.isEmpty ? "" : ": \(job)"); task logs: \(folder)/task-*.log")
        }
        guard wait else {
            log("submitted job \(job): \(tasks) tasks (\(scriptPath)); when they end: mantsim sweep collect --db \(databasePath) \(folder)/shard-*.sqlite")
            return
        }
        let shards = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("shard-") && $0.hasSuffix(".sqlite") }
            .sorted().map { "\(folder)/\($0)" }
        let copied = try SweepDatabase.collect(shards, into: databasePath)
        log("job \(job) ended: collected \(copied) points from \(shards.count) shards into \(databasePath)")
    }

    /// A word the shell reads as itself.
    static func quoted(_ text: String) -> String {
        text.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:,".contains($0) }) ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func findExecutable(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

extension SweepDatabase {
    /// Merges the databases at `shards` into the one at `path` (created when missing); every shard
    /// is opened and checked before anything is written. Returns the points copied.
    public static func collect(_ shards: [String], into path: String) throws -> Int {
        let sources = try shards.map { try SweepDatabase(path: $0, readOnly: true) }
        let target = try SweepDatabase(path: path)
        var copied = 0
        for source in sources { copied += try target.merge(source) }
        return copied
    }
}
