import MantConfig
import MantHardware
import MantNumerics

/// Silicon area of an architecture from the energy table's `area` section: PEs, SAC rows,
/// output scalers and decoders at the array's edge, the three buffers, the vector unit and the KV
/// engine with its window buffer. SRAM area is each memory's banks priced by the table's CACTI
/// bank grid at their capacity and port width. Registers and wiring are not counted (the table says so).
/// PE (and M-ANT SAC combine) areas are the table's composed figures, or, when its
/// `peAreaSource` is synthesized, Yosys's transistor counts of the Verilog PEs times the table's
/// um^2 per transistor; the LUT array's table per column then comes from the Verilog LUT decoder too.
///
/// SAC rows: one per `group` PE rows for group-wise formats (at least one), one for per-channel
/// scales; none in the FP16 and VQ arrays, nor in the LUT array that scales at its decoder.
/// Decoders: one per column in every integer array; a table and scale multiplier per column in the
/// LUT array that scales there, a table alone in the one that scales in SAC rows (which has no
/// output scaler: its activations are FP16); the VQ array's codebook SRAM, hot-entry store and
/// residual adders.
public struct AreaModel {
    public let table: EnergyTable

    public init(table: EnergyTable) throws {
        guard !table.areas.isEmpty else {
            throw ConfigError(path: "energy table (\(table.nodeNanometres) nm)", problems: ["area: missing; the table prices no silicon area"])
        }
        self.table = table
    }

    /// mm^2 per component; `headDimension` sizes the KV engine's window buffer.
    public func area(of architecture: ArchitectureConfig, headDimension: Int = 128) throws -> [String: Double] {
        let array = architecture.array
        var missing = [String]()
        let synthesized = table.peAreaSource == .synthesized ? table.synthesizedArea : nil
        // mm^2 of a synthesized entry: its transistors times the node's factor.
        func gates(_ name: String, _ synthesized: EnergyTable.SynthesizedArea) -> Double {
            guard let transistors = synthesized.transistors[name] else {
                let known = synthesized.transistors.keys.filter(EnergyTable.SynthesizedArea.replaces).sorted().joined(separator: ", ")
                missing.append("synthesized PE areas: \(synthesized.path) has no \(name) (the \(architecture.array.peType.rawValue) array's); "
                    + "it has \(known); use the composed areas for this array")
                return 0
            }
            return Double(transistors) * synthesized.squareMicronsPerTransistor / 1e6
        }
        func unit(_ name: String) -> Double {
            if let synthesized, EnergyTable.SynthesizedArea.replaces(name) { return gates(name, synthesized) }
            guard let entry = table.areas[name] else { missing.append("area.\(name): missing"); return 0 }
            return entry.picojoules / 1e6
        }
        let (rows, columns) = (Double(array.rows), Double(array.columns))
        var result = [String: Double]()
        result["pe"] = rows * columns * unit(peKey(architecture))
        if let attention = architecture.attentionUnit {
            // Its PEs multiply the KV cache's format by the attention activations (FP16 for FP16 PEs).
            let kind = attention.peType.kind(weightBits: architecture.kvFormat.bits, activationBits: architecture.activationBits)
            result["pe", default: 0] += Double(attention.rows * attention.columns) * unit(kind.macCounter)
        }
        func sacRows(perColumn unitArea: Double) -> Double {
            let count: Double
            if case .group(let size) = architecture.weightFormat.granularity { count = max(1, (rows / Double(size)).rounded(.up)) } else { count = 1 }
            return columns * count * unitArea
        }
        if array.peType == .lut {
            // The table per column: composed, charged as an 8b adder (decoder.unit); by gates, the
            // Verilog LUT decoder. Scaling at the decoder adds the FP16 multiplier, which stays
            // composed: decoder.lut_unit less its table.
            let lutTable = synthesized.map { gates("decoder.lut_table", $0) }
            if array.lutScale == .decoder {
                result["decoder"] = columns * (lutTable.map { unit("decoder.lut_unit") - unit("decoder.unit") + $0 } ?? unit("decoder.lut_unit"))
            } else {
                result["decoder"] = columns * (lutTable ?? unit("decoder.unit"))
                result["sac"] = sacRows(perColumn: unit("sac.unit"))
            }
        } else if array.peType == .vq {
            // The residual adders; the codebook SRAM and hot-entry store are among the memories below.
            result["decoder"] = Double(array.decoderLanes) * unit("decoder.vq_lane")
        } else if array.peType != .fp16 {
            result["sac"] = sacRows(perColumn: unit("sac.unit") + (array.peType == .mant ? unit("sac.combine_unit") : 0))
                + columns * unit("output.scale_unit")
            result["decoder"] = columns * unit("decoder.unit")
        }
        result["vector"] = Double(architecture.vector.lanes) * unit("vector.lane")
        if let engine = architecture.kvEngine { result["kv"] = Double(engine.lanes) * unit("kv.lane") }
        // Every SRAM: its banks at their capacity and port width, from the CACTI table.
        for memory in architecture.memories(headDimension: headDimension) where memory.built {
            guard let bank = table.bank(of: memory) else { missing.append("sram: missing; the table prices no SRAM area"); break }
            result[memory.areaComponent, default: 0] += Double(memory.banks) * bank.areaSquareMicrons / 1e6
        }
        if !missing.isEmpty { throw ConfigError(path: "energy table (\(table.nodeNanometres) nm)", problems: Array(Set(missing)).sorted()) }
        return result
    }

    /// The PE's area entry: named as the MAC counter of the model's PE kind for these widths.
    func peKey(_ architecture: ArchitectureConfig) -> String {
        architecture.array.peType.kind(weightBits: architecture.weightFormat.bits, activationBits: architecture.activationBits).macCounter
    }

    /// The compute logic that differs between arrays: PEs, SAC rows and scalers, decoders, the KV engine.
    public static let core: Set<String> = ["pe", "sac", "decoder", "kv"]

    /// The area of `components` (all when nil) in mm^2.
    public func area(of architecture: ArchitectureConfig, components: Set<String>?, headDimension: Int = 128) throws -> Double {
        let parts = try area(of: architecture, headDimension: headDimension)
        return EnergyBreakdown.total(parts.filter { components?.contains($0.key) ?? true })
    }

    /// The architecture with the largest square array whose area of `components` (all when nil)
    /// does not exceed `budget` mm^2 (a VQ array's side a multiple of its vector lengths), buffers,
    /// vector unit and engine as configured, and an attention unit's sides scaled with the
    /// array's, so that it keeps its share of the PEs; nil when not even 2 x 2 fits.
    public func resized(_ architecture: ArchitectureConfig, toArea budget: Double, components: Set<String>? = nil,
                        headDimension: Int = 128) throws -> ArchitectureConfig? {
        var best: ArchitectureConfig?
        var side = 2
        while side <= 4096 {
            var candidate = architecture
            candidate.array.rows = side
            candidate.array.columns = side
            // The weight link and the buffer ports keep their bits per column, so a resized array
            // loads rows and streams tokens as fast.
            let columns = architecture.array.columns
            func scaled(_ value: Int) -> Int { max(1, (value * side + columns / 2) / columns) }
            candidate.array.weightLinkBits = scaled(architecture.array.effectiveWeightLinkBits)
            candidate.array.weightBufferBanks = scaled(architecture.array.weightBufferBanks)
            candidate.array.activationBufferBanks = scaled(architecture.array.activationBufferBanks)
            candidate.array.outputBufferBanks = scaled(architecture.array.outputBufferBanks)
            // An attention unit keeps its share: its sides scale with the array's (at least 2 x 2),
            // on the resized array's buffers and DRAM as before.
            if let unit = architecture.attentionUnit {
                var resizedUnit = candidate.array
                resizedUnit.peType = unit.peType
                resizedUnit.weightLinkBits = unit.weightLinkBits
                resizedUnit.rows = max(2, (unit.rows * side + architecture.array.rows / 2) / architecture.array.rows)
                resizedUnit.columns = max(2, (unit.columns * side + columns / 2) / columns)
                candidate.attentionUnit = resizedUnit
            }
            guard try area(of: candidate, components: components, headDimension: headDimension) <= budget else { break }
            // A VQ array's tiles hold whole vectors of its weight and KV formats.
            let vectors = [architecture.weightFormat.vq?.vectorLength, architecture.kvFormat.vq?.vectorLength].compactMap { $0 }
            if vectors.allSatisfy({ side % $0 == 0 }) { best = candidate }
            side += 1
        }
        return best
    }
}
