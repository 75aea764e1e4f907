import Foundation

// What a results database says across its points: Pareto fronts, the changes between two runs,
// and one architecture against the others. The CLI presents these (mantsim report, diff).

extension SweepRow {
    /// 1 / tokens/s: the phase's time per token it processes or generates.
    public var secondsPerToken: Double? { tokensPerSecond.flatMap { $0 > 0 ? 1 / $0 : nil } }
    /// The phase's energy over the tokens it processes or generates.
    public var energyPerToken: Double? {
        guard let energy = energyJoules, let rate = tokensPerSecond, let latency = latencySeconds, rate * latency > 0 else { return nil }
        return energy / (rate * latency)
    }
}

/// Pareto fronts of a results database's rows.
public enum SweepFront {
    /// Points no other point beats on both time and energy per token (for one workload, latency
    /// and energy), fastest first.
    public static func pareto(_ rows: [SweepRow]) -> [SweepRow] { front(rows, [{ $0.secondsPerToken }, { $0.energyPerToken }]) }

    /// Points no other point beats on both perplexity and energy per token (points without a
    /// perplexity left out), fastest first.
    public static func accuracy(_ rows: [SweepRow]) -> [SweepRow] { front(rows, [{ $0.perplexity }, { $0.energyPerToken }]) }

    /// Points that no other point matches or beats on every objective and beats on one (lower is
    /// better), fastest first; points missing an objective are left out.
    public static func front(_ rows: [SweepRow], _ objectives: [(SweepRow) -> Double?]) -> [SweepRow] {
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

}

/// Points of two runs matched by inputs and phase, and the metrics that differ.
public struct SweepDiff {
    public struct Change { public var label: String, phase: String, metric: String, before: String, after: String, relative: Double? }

    public var changes = [Change]()
    public var matched = 0, onlyBefore = 0, onlyAfter = 0, unchanged = 0

    public static let metrics: [(String, (SweepRow) -> Double?)] = [
        ("latency_s", { $0.latencySeconds }), ("tokens_per_s", { $0.tokensPerSecond }), ("energy_j", { $0.energyJoules }),
        ("cycles", { $0.cycles.map(Double.init) }), ("utilization", { $0.utilization }),
        ("dram_bits", { row in row.dramReadBits.flatMap { read in row.dramWriteBits.map { Double(read + $0) } } }),
        ("area_mm2", { $0.areaMM2 }), ("weight_sqnr_db", { $0.weightSQNR }), ("kv_sqnr_db", { $0.kvSQNR }),
        ("perplexity", { $0.perplexity }),
    ]

    public init(before: [SweepRow], after: [SweepRow], tolerance: Double) {
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
}

/// One architecture against each other one over the points they share: geometric means of the
/// speedup (their latency over its) and energy reduction (their energy over its), per phase and over
/// all phases, with the extremes. Where a point ran more than once, its latest run counts.
public struct SweepAgainst {
    public struct Ratios {
        public var speedups = [Double](), reductions = [Double]()
        public init() {}
        public static func geomean(_ values: [Double]) -> Double { exp(values.map(log).reduce(0, +) / Double(values.count)) }
    }

    public let architecture: String
    public let database: String
    /// Other architecture -> phase ("all" too) -> ratios.
    public var ratios = [String: [String: Ratios]]()
    public var others = [String]()

    public init(rows: [SweepRow], architecture: String, database: String) throws {
        (self.architecture, self.database) = (architecture, database)
        let ok = rows.filter { $0.ok && $0.phase != nil && ($0.latencySeconds ?? 0) > 0 && ($0.energyJoules ?? 0) > 0 }
        let names = ok.reduce(into: [String]()) { if !$0.contains($1.architecture) { $0.append($1.architecture) } }
        guard names.contains(architecture) else {
            throw SweepError("--against \(architecture): \(database) has no successful point of it (its architectures: \(names.joined(separator: ", ")))")
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
        if ratios.isEmpty { throw SweepError("--against \(architecture): no point of \(database) has both it and another architecture at the same settings") }
    }

    public var phases: [String] { ["prefill", "decode", "all"].filter { phase in ratios.values.contains { $0[phase] != nil } } }
}
