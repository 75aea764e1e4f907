import MantWorkload
import MantConfig
import MantHardware

/// One operator of a phase, summed over its instances (layers, heads, decode steps).
public struct OperationResult: Sendable, Codable, Equatable {
    public var name: String
    /// array, arrayKV or vector.
    public var unit: String
    /// M, K, N of one instance; for decode attention, of the last step.
    public var m: Int
    public var k: Int
    public var n: Int
    public var instances: Int
    public var cycles: UInt64
    public var macs: UInt64
    public var dramReadBits: UInt64
    public var dramWriteBits: UInt64
    /// pJ per component.
    public var energy: [String: Double]
    public var counters: [String: UInt64]
    /// How one instance ran on the array (decode attention: the last step's); nil off the array.
    public var mapping: GemmMapping? = nil

    public var totalEnergy: Double { EnergyBreakdown.total(energy) }

    /// DRAM bits moved over the compulsory ones (every weight, activation and output once), for
    /// operators whose instances all have one shape.
    public var trafficOverCompulsory: Double? {
        guard let mapping, unit == "array", mapping.compulsoryDRAMBits > 0 else { return nil }
        return Double(dramReadBits + dramWriteBits) / (Double(mapping.compulsoryDRAMBits) * Double(instances))
    }
}

/// One phase of a workload on one architecture.
public struct PhaseResult: Sendable, Codable, Equatable {
    public var phase: Phase
    /// Tokens the phase processes (prefill) or generates (decode), over the whole batch.
    public var tokens: Int
    public var cycles: UInt64
    public var latencySeconds: Double
    public var tokensPerSecond: Double
    /// MACs over PE slots (PEs x cycles), vector-unit cycles included.
    public var utilization: Double
    public var dramReadBits: UInt64
    public var dramWriteBits: UInt64
    public var energy: [String: Double]
    public var totalEnergy: Double
    public var operations: [OperationResult]
}

/// A workload run on one architecture: what it is, and each phase's latency and energy.
public struct RunResult: Sendable, Codable, Equatable {
    public var architecture: String
    public var pe: String
    public var array: String
    public var clockMHz: Double
    public var weightFormat: String
    public var kvFormat: String
    public var activationBits: Int
    public var dataflow: String
    public var dram: String
    public var model: String
    public var batch: Int
    public var promptLength: Int
    public var generatedTokens: Int
    public var energyNodeNanometres: Int
    public var fidelity: String
    public var seed: UInt64
    /// mm^2 per component (`AreaModel`); empty when the energy table has no area section.
    public var area: [String: Double]
    public var phases: [PhaseResult]
    /// The accuracy its formats cost, beside the latency and energy (nil when the runner was told
    /// not to measure it).
    public var accuracy: Accuracy?
    /// A real model's perplexity under this architecture's formats, when one was evaluated.
    public var perplexity: PerplexitySummary? = nil
    /// The attention unit, when attention runs on one: "16x16 fp16".
    public var attentionUnit: String? = nil
    /// How its DRAM energy was priced: per command from a part's currents, or per bit.
    public var dramEnergy: String? = nil

    public func phase(_ kind: Phase) -> PhaseResult? { phases.first { $0.phase == kind } }
}
