import MantWorkload

/// Several architectures on one workload, each phase against a baseline.
public struct Comparison: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var architecture: String
        public var phase: Phase
        public var latencySeconds: Double
        public var tokensPerSecond: Double
        public var energy: Double
        /// Baseline latency over this latency.
        public var speedup: Double
        /// Baseline energy over this energy.
        public var energyReduction: Double
        /// pJ per component.
        public var breakdown: [String: Double]
    }

    public var baseline: String
    public var model: String
    /// pe: arrays as configured; area or chip: resized to the baseline's compute or total area.
    public var iso = "pe"
    public var rows: [Row]
    /// Every run, ordered by architecture name.
    public var runs: [RunResult]
    /// A real model's perplexity under each architecture's formats, when one was evaluated.
    public var perplexity: PerplexitySummary? = nil

    /// Rows by phase, then architecture name: the order the runs were given in does not matter.
    public init(baseline: RunResult, runs: [RunResult]) {
        self.baseline = baseline.architecture
        model = baseline.model
        self.runs = runs.sorted { $0.architecture < $1.architecture }
        var rows = [Row]()
        for reference in baseline.phases {
            for run in self.runs {
                guard let phase = run.phase(reference.phase) else { continue }
                rows.append(Row(architecture: run.architecture, phase: phase.phase, latencySeconds: phase.latencySeconds,
                                tokensPerSecond: phase.tokensPerSecond, energy: phase.totalEnergy,
                                speedup: reference.latencySeconds / phase.latencySeconds,
                                energyReduction: reference.totalEnergy / phase.totalEnergy, breakdown: phase.energy))
            }
        }
        self.rows = rows
    }
}
