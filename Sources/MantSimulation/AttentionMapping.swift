import MantConfig
import MantHardware
import MantNumerics

/// How decode attention maps onto an architecture, the one place `run` (WorkloadRunner) and
/// `attention` (AttentionStep) take it from: Q*K^T and the closed V windows on the array, the open
/// INT8 window on the vector unit, and a two-stage KV engine per layer working beside them.
enum AttentionMapping {
    /// Tokens of a context the array reads as closed V windows; the rest (the open INT8 window,
    /// fewer than `window` tokens) the vector unit multiplies. Without a KV engine, all of them.
    static func closedTokens(context: Int, engine: KVEngineConfig?) -> Int {
        guard let window = engine?.window, window > 0 else { return context }
        return context / window * window
    }

    /// Engine cycles beyond the array's and vector unit's: the engine works beside them, so only
    /// what it needs beyond them lengthens the step or phase.
    static func excess(engineCycles: UInt64, besideCycles: UInt64) -> UInt64 {
        engineCycles > besideCycles ? engineCycles - besideCycles : 0
    }

    /// What the cycles the engine adds cost, in pJ per component: the array idles through them, so
    /// its PEs' and memories' leakage, and on a DRAM standard's channels their standby and refresh
    /// (`priced` is the energy table priced for the architecture).
    static func excessEnergy(_ cycles: UInt64, architecture: ArchitectureConfig, priced: EnergyTable) throws -> [String: Double] {
        try priced.energy(counters: [:], cycles: cycles, processingElements: architecture.leakingPEs, dram: architecture.dramTechnology,
                          timing: architecture.array.dramTiming).picojoules.filter { $0.value > 0 }
    }

    /// The engine's work for one decode step's new token, per KV head: its own cycles (the DRAM
    /// writes drain behind it) and counters. A token that closes a window adds the window's
    /// stage-2 flush: a full window's counters less those of its first window - 1 tokens.
    static func tokenCost(_ rtl: RTLModel, config: KVEngineConfig, closesWindow: Bool,
                          streams: (Int) throws -> (keys: Tensor, values: Tensor)) throws -> (cycles: UInt64, counters: [String: UInt64]) {
        let tokens = closesWindow ? config.window : 1
        let (keys, values) = try streams(tokens)
        let full = try rtl.runKVEngine(keys: keys, values: values, config: config)
        guard tokens > 1 else { return (full.lastTokenCycles, full.counters) }
        let (earlierKeys, earlierValues) = try streams(tokens - 1)
        let before = try rtl.runKVEngine(keys: earlierKeys, values: earlierValues, config: config)
        return (full.lastTokenCycles, full.counters.merging(before.counters) { $0 - $1 })
    }
}
