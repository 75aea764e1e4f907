import Dispatch
import Foundation
import MantHardware
import MantSimulation

/// Runs one point in this process: its result or its error, with the wall-clock time it took.
public func runPoint(_ point: SweepPoint, label: String, rtl: RTLModel) -> PointOutcome {
    let start = DispatchTime.now().uptimeNanoseconds
    var result: RunResult?, failure: String?
    do {
        result = try WorkloadRunner(architecture: point.architecture, energy: point.energy, rtl: rtl).run(point.request)
    } catch {
        failure = "\(error)"
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return PointOutcome(point: point, label: label, result: result, error: failure, seconds: seconds)
}

/// The worker side of a local sweep (`mantsim sweep SPEC --worker`): reads "INDEX KEY" lines on
/// standard input, runs each point (SystemC runs one simulation per process, so parallel points
/// need processes), and writes each outcome as one JSON line on standard output. Ends at the end of
/// its input.
public enum SweepWorker {
    public static func serve(_ plan: SweepPlan, rtl: RTLModel) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var input = LineReader(fd: STDIN_FILENO)
        while let line = input.next() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let index = Int(parts[0]), plan.points.indices.contains(index), plan.points[index].key == parts[1] else {
                FileHandle.standardError.write(Data("mantsim sweep --worker: '\(line)' names no point of this spec (was the spec edited?)\n".utf8))
                exit(3)
            }
            let point = plan.points[index]
            let outcome = runPoint(point, label: point.label(varying: plan.varying), rtl: rtl)
            var data = (try? encoder.encode(outcome)) ?? Data()
            data.append(0x0A)
            FileHandle.standardOutput.write(data)
        }
    }
}

/// Lines from a file descriptor, read as they come.
struct LineReader {
    let fd: Int32
    private var buffer = [UInt8]()
    private var finished = false

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if finished { return nil }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { finished = true; continue }
            buffer += chunk[..<count]
        }
    }
}

/// Points run in parallel worker processes of this executable, each outcome recorded in the
/// database (one transaction each) as it arrives. SIGINT and SIGTERM stop the sweep: workers are
/// ended, points in flight are left for the next run, and every recorded point stays whole.
public final class LocalSweep {
    public struct Summary {
        public var recorded = 0
        public var failed = 0
        public var interrupted = false
        public var seconds = 0.0
        /// Points another sweep on the same database claimed or recorded first.
        public var leftToOthers = 0
    }

    let plan: SweepPlan
    let database: SweepDatabase
    let runID: Int64
    /// The executable and the arguments that make it a worker for this spec.
    let worker: (executable: String, arguments: [String])
    let jobs: Int
    /// Runs points recorded as ok again (a claim then only waits for live sweeps).
    public var rerun = false
    /// Called after each point, under the lock: (done, total, failed, elapsed seconds, the outcome).
    public var progress: ((Int, Int, Int, Double, PointOutcome) -> Void)?

    private let lock = NSLock()
    /// The first error a worker thread met (under `lock`).
    private var failure: Error?
    private var pending: [SweepPoint] = []
    private var running: [Process] = []
    private var stopping = false
    private var summary = Summary()

    public init(plan: SweepPlan, database: SweepDatabase, runID: Int64, worker: (String, [String]), jobs: Int) {
        self.plan = plan
        self.database = database
        self.runID = runID
        self.worker = worker
        self.jobs = max(1, jobs)
    }

    public func run(_ points: [SweepPoint]) throws -> Summary {
        pending = LocalSweep.order(points).reversed()
        failure = nil
        let total = points.count
        let start = DispatchTime.now().uptimeNanoseconds
        // Signals come to a dispatch source instead of ending the process mid-write.
        var sources = [DispatchSourceSignal]()
        let stopping = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
        for number in stopping {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.stop() }
            source.resume()
            sources.append(source)
        }
        // A worker that dies makes writes to it fail (EPIPE) instead of ending this process.
        signal(SIGPIPE, SIG_IGN)
        defer {
            for source in sources { source.cancel() }
            for number in stopping { signal(number, SIG_DFL) }
        }
        // One thread per worker process, as many as asked for (a dispatch queue's concurrentPerform
        // would cap them at the core count).
        let group = DispatchGroup()
        for _ in 0..<min(jobs, max(total, 1)) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    try self.serve(total: total, start: start)
                } catch {
                    self.lock.lock()
                    if self.failure == nil { self.failure = error }
                    self.lock.unlock()
                    self.stop()
                }
            }
            thread.start()
        }
        group.wait()
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // Claims not recorded (an interrupted sweep, a failure) go back for the next sweep.
        try? database.releaseClaims(runID: runID)
        if let failure { throw failure }
        return summary
    }

    /// The first point of each architecture first (so that an estimate has every architecture's
    /// time early), then the rest in the spec's order. Rows are kept by point index, so the order
    /// changes nothing in the database.
    static func order(_ points: [SweepPoint]) -> [SweepPoint] {
        var seen = Set<String>(), first = [SweepPoint](), rest = [SweepPoint]()
        for point in points {
            if seen.insert(point.architectureName).inserted { first.append(point) } else { rest.append(point) }
        }
        return first + rest
    }

    private func stop() {
        lock.lock()
        stopping = true
        summary.interrupted = true
        for process in running where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        lock.unlock()
    }

    /// The next point this sweep has claimed; points another sweep has are passed over.
    private func take() throws -> SweepPoint? {
        lock.lock()
        defer { lock.unlock() }
        while !stopping, let point = pending.popLast() {
            if try database.claim(point.key, runID: runID, rerun: rerun) { return point }
            summary.leftToOthers += 1
        }
        return nil
    }

    /// One worker process at a time, fed a point per line until none are left; a worker that dies
    /// costs its point (recorded as failed) and is replaced.
    private func serve(total: Int, start: UInt64) throws {
        var current: (process: Process, input: FileHandle, outputHandle: FileHandle, output: LineReader)?
        defer {
            if let current {
                try? current.input.close()
                current.process.waitUntilExit()
            }
        }
        while let point = try take() {
            if current == nil {
                guard let launched = try launch() else { return }
                current = launched
            }
            let line = "\(point.index) \(point.key)\n"
            var reply: String?
            do {
                try current!.input.write(contentsOf: Data(line.utf8))
                reply = current!.output.next()
            } catch {
                reply = nil
            }
            var outcome: PointOutcome
            if let reply, let decoded = try? JSONDecoder().decode(PointOutcome.self, from: Data(reply.utf8)) {
                outcome = decoded
            } else {
                let process = current!.process
                try? current!.input.close()
                process.waitUntilExit()
                current = nil
                lock.lock()
                let stopped = stopping
                lock.unlock()
                if stopped { return }
                let how = process.terminationReason == .uncaughtSignal ? "was ended by signal \(process.terminationStatus)"
                    : "exited with status \(process.terminationStatus)"
                outcome = PointOutcome(point: point, label: point.label(varying: plan.varying), result: nil,
                                       error: "the worker process running this point \(how)", seconds: nil)
            }
            lock.lock()
            defer { lock.unlock() }
            if stopping { return }
            try database.record(outcome, runID: runID)
            summary.recorded += 1
            if outcome.result == nil { summary.failed += 1 }
            progress?(summary.recorded, total, summary.failed, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, outcome)
        }
    }

    private func launch() throws -> (Process, FileHandle, FileHandle, LineReader)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: worker.executable)
        process.arguments = worker.arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        lock.lock()
        defer { lock.unlock() }
        if stopping { return nil }
        do {
            try process.run()
        } catch {
            throw SweepError("cannot start a worker (\(worker.executable)): \(error)")
        }
        running.append(process)
        let reading = output.fileHandleForReading
        return (process, input.fileHandleForWriting, reading, LineReader(fd: reading.fileDescriptor))
    }
}

/// Time left in a sweep: each architecture's points left times its mean time per point (measured
/// in this sweep, else recorded earlier), over the workers.
public struct SweepEstimate {
    private var left: [String: Int] = [:]
    private var measured: [String: (total: Double, count: Int)] = [:]
    private let recorded: [String: Double]
    private let workers: Int

    public init(points: [SweepPoint], workers: Int, recorded: [String: Double] = [:]) {
        for point in points { left[point.architectureName, default: 0] += 1 }
        self.recorded = recorded
        self.workers = max(1, min(workers, points.count))
    }

    public mutating func finished(_ outcome: PointOutcome) {
        left[outcome.architecture, default: 1] -= 1
        if let seconds = outcome.seconds, outcome.result != nil {
            let seen = measured[outcome.architecture] ?? (0, 0)
            measured[outcome.architecture] = (seen.total + seconds, seen.count + 1)
        }
    }

    /// Seconds per point of an architecture, when known.
    func perPoint(_ architecture: String) -> Double? {
        if let seen = measured[architecture], seen.count > 0 { return seen.total / Double(seen.count) }
        return recorded[architecture]
    }

    /// nil until every architecture with points left has a time per point.
    public var secondsLeft: Double? {
        var total = 0.0
        for (architecture, count) in left where count > 0 {
            guard let time = perPoint(architecture) else { return nil }
            total += time * Double(count)
        }
        return total / Double(workers)
    }
}
