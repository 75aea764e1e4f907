import Foundation
import MantWorkload
import MantHardware
import Yams

/// Energy per action for every counter the model emits, per node (`Configs/energy/*.yaml`), each
/// with its source. Energy = sum of counters x energy per action + leakage x time; the model
/// itself holds no joules.
public struct EnergyTable: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        /// pJ for actions, DRAM and leakage; um^2 for the entries of `areas`.
        public var picojoules: Double
        public var source: String
    }

    public var nodeNanometres: Int
    /// Counter name -> pJ per count (per bit for `*_bits` counters).
    public var actions: [String: Entry]
    /// DRAM technology -> pJ per bit read and written.
    public var dramRead: [String: Entry]
    public var dramWrite: [String: Entry]
    /// pJ per PE per cycle.
    public var peLeakage: Entry
    /// Area per unit in um^2; empty when the table has no `area` section.
    public var areas: [String: Entry] = [:]
    /// On-chip memories priced from CACTI: nil when the table prices SRAM counters as fixed actions.
    public var sram: SRAMPricing?
    /// The leakage of an architecture's SRAMs per cycle of its clock, in pJ (`priced(for:)` sets it
    /// from the CACTI table: each bank's leakage power x the node rule of its energy); 0 unpriced.
    public var sramLeakagePicojoulesPerCycle: Double = 0
    /// PE areas from gates (`synthesized_area`): nil when the table has none.
    public var synthesizedArea: SynthesizedArea? = nil
    /// Where the area model takes PE areas from: the `area` section's composed figures, or the
    /// synthesized transistor counts.
    public var peAreaSource: PEAreaSource = .composed

    public enum PEAreaSource: String, CaseIterable, Sendable {
        case composed, synthesized
    }

    /// Yosys's transistor counts of the Verilog PEs (`make area`: Configs/area/synthesized.csv, by
    /// area entry) and the one factor that turns a transistor into um^2 at this table's node.
    public struct SynthesizedArea: Equatable, Sendable {
        public var transistors: [String: Int]
        public var squareMicronsPerTransistor: Double
        public var source: String
        public var path: String

        /// `area` entries the counts replace when PE areas are synthesized: the PEs and M-ANT's
        /// SAC combine unit (and, in AreaModel, the LUT array's table); the FP32 units, the other
        /// decoders and the memories stay composed.
        public static func replaces(_ entry: String) -> Bool { entry.hasPrefix("pe.") || entry == "sac.combine_unit" }

        /// The table's CSV: lines starting with # are comments; the entry and transistors columns are read.
        static func load(path: String) throws -> [String: Int] {
            guard let data = try? BoundedFile.read(path), let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(path: path, problems: ["file: cannot be read, or not a CSV of at most 1 MiB (make area writes it)"])
            }
            var lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
            guard !lines.isEmpty else { throw ConfigError(path: path, problems: ["file: no header (make area writes it)"]) }
            let header = lines.removeFirst().split(separator: ",").map(String.init)
            guard let entry = header.firstIndex(of: "entry"), let count = header.firstIndex(of: "transistors") else {
                throw ConfigError(path: path, problems: ["header: expected the columns entry and transistors"])
            }
            var result = [String: Int](), problems = [String]()
            for (number, line) in lines.enumerated() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard fields.count > max(entry, count), let transistors = Int(fields[count]), transistors > 0 else {
                    problems.append("line \(number + 2): expected an entry and a positive transistor count")
                    continue
                }
                result[fields[entry]] = transistors
            }
            if !problems.isEmpty { throw ConfigError(path: path, problems: problems) }
            return result
        }
    }

    /// The CACTI table and the rule that carries its node to this table's: energy per access x
    /// node / CACTI node and area x (node / CACTI node)^2, first-order C V^2 and feature-size-squared scaling.
    public struct SRAMPricing: Equatable, Sendable {
        public var table: SRAMTable
        public var cactiNode: Int
        public var path: String
    }

    /// Counters that record time or occupancy rather than an action with an energy.
    public static let nonActions: Set<String> = ["pe.idle", "dram.busy_cycles", "dram.read_bits", "dram.write_bits", "controller.tiles",
                                                  "vector.cycles", "kv.cycles", "kv.key_vectors", "kv.value_vectors",
                                                  "kv.window_flushes", "decoder.conflict_cycles", "decoder.codebook_loads",
                                                  "decoder.cycles", "dram.activates", "dram.precharges", "dram.read_bursts",
                                                  "dram.write_bursts", "dram.active_standby_cycles", "dram.precharged_standby_cycles"]

    public static func load(path: String) throws -> EnergyTable {
        var reader = ConfigReader(path: path)
        let top = try reader.topMapping(try ConfigReader.text(of: path))
        reader.allow(top, keys: ["node_nm", "actions", "dram", "leakage", "area", "sram", "synthesized_area"], at: "")
        let node = reader.integer(top, "node_nm", at: "", range: 1...1000) ?? 0
        func entry(_ value: Any?, _ field: String, key: String) -> Entry? {
            guard let mapping = reader.mapping(value, at: field) else { return nil }
            let number = reader.number(mapping, key, at: field, positive: true)
            let source = reader.string(mapping, "source", at: field)
            if let source, source.trimmingCharacters(in: .whitespaces).isEmpty { reader.problem("\(field).source: empty; every number needs its source") }
            guard let number, let source else { return nil }
            return Entry(picojoules: number, source: source)
        }
        var actions = [String: Entry]()
        if let table = reader.mapping(top["actions"], at: "actions") {
            for (name, value) in table {
                if let parsed = entry(value, "actions.\(name)", key: "pj") { actions[name] = parsed }
                if let mapping = value as? [String: Any] { reader.allow(mapping, keys: ["pj", "source"], at: "actions.\(name)") }
            }
        }
        var reads = [String: Entry](), writes = [String: Entry]()
        if let dram = reader.mapping(top["dram"], at: "dram") {
            for (technology, value) in dram {
                let field = "dram.\(technology)"
                guard let mapping = reader.mapping(value, at: field) else { continue }
                reader.allow(mapping, keys: ["read_pj_per_bit", "write_pj_per_bit", "source"], at: field)
                let source = reader.string(mapping, "source", at: field) ?? ""
                if let read = reader.number(mapping, "read_pj_per_bit", at: field, positive: true) { reads[technology] = Entry(picojoules: read, source: source) }
                if let write = reader.number(mapping, "write_pj_per_bit", at: field, positive: true) { writes[technology] = Entry(picojoules: write, source: source) }
            }
        }
        var leakage: Entry?
        if let table = reader.mapping(top["leakage"], at: "leakage") {
            reader.allow(table, keys: ["pe"], at: "leakage")
            leakage = entry(table["pe"], "leakage.pe", key: "pj_per_cycle")
        }
        var areas = [String: Entry]()
        if top["area"] != nil, let table = reader.mapping(top["area"], at: "area") {
            for (name, value) in table {
                if let parsed = entry(value, "area.\(name)", key: "um2") { areas[name] = parsed }
                if let mapping = value as? [String: Any] { reader.allow(mapping, keys: ["um2", "source"], at: "area.\(name)") }
            }
        }
        let sram = top["sram"] == nil ? nil : readSRAM(top["sram"], path: path, reader: &reader)
        if sram != nil {
            let fixed = actions.keys.filter { name in ArchitectureConfig.sramCounters.contains(name) }
            for name in fixed.sorted() { reader.problem("actions.\(name): priced by the sram table; remove it here") }
        }
        var synthesized: SynthesizedArea?
        if top["synthesized_area"] != nil, let mapping = reader.mapping(top["synthesized_area"], at: "synthesized_area") {
            reader.allow(mapping, keys: ["table", "um2_per_transistor", "source"], at: "synthesized_area")
            let file = reader.string(mapping, "table", at: "synthesized_area")
            let factor = reader.number(mapping, "um2_per_transistor", at: "synthesized_area", positive: true)
            let source = reader.string(mapping, "source", at: "synthesized_area")
            if let file, let factor, let source {
                let resolved = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: path).deletingLastPathComponent()).standardizedFileURL.path
                do {
                    synthesized = SynthesizedArea(transistors: try SynthesizedArea.load(path: resolved), squareMicronsPerTransistor: factor,
                                                  source: source, path: resolved)
                } catch {
                    reader.problem("synthesized_area.table: \(error)")
                }
            }
        }
        try reader.finish()
        var table = EnergyTable(nodeNanometres: node, actions: actions, dramRead: reads, dramWrite: writes, peLeakage: leakage!, areas: areas, sram: sram)
        table.synthesizedArea = synthesized
        return table
    }

    /// The table with PE areas from `source`; synthesized needs a `synthesized_area` section.
    public func withPEAreas(_ source: PEAreaSource, label: String) throws -> EnergyTable {
        if source == .synthesized && synthesizedArea == nil {
            throw ConfigError(path: label, problems: ["synthesized_area: missing; this table has no synthesized PE areas (see Configs/energy/28nm.yaml)"])
        }
        var table = self
        table.peAreaSource = source
        return table
    }

    /// `sram: {table: FILE.csv, cacti_node_nm: N}`, the table's path relative to the energy file.
    private static func readSRAM(_ value: Any?, path: String, reader: inout ConfigReader) -> SRAMPricing? {
        guard let mapping = reader.mapping(value, at: "sram") else { return nil }
        reader.allow(mapping, keys: ["table", "cacti_node_nm"], at: "sram")
        guard let file = reader.string(mapping, "table", at: "sram"),
              let cactiNode = reader.integer(mapping, "cacti_node_nm", at: "sram", range: 1...1000) else { return nil }
        let resolved = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: path).deletingLastPathComponent()).standardizedFileURL.path
        do {
            let table = try SRAMTable.load(path: resolved)
            guard table.nodes.contains(cactiNode) else {
                reader.problem("sram.cacti_node_nm: \(cactiNode) is not in \(resolved) (it has \(table.nodes.map(String.init).joined(separator: ", ")) nm)")
                return nil
            }
            return SRAMPricing(table: table, cactiNode: cactiNode, path: resolved)
        } catch {
            reader.problem("sram.table: \(error)")
            return nil
        }
    }

    /// One bank of `memory` priced at this table's node: pJ per access and um^2.
    public func bank(of memory: MemoryGeometry) -> SRAMTable.Bank? {
        guard let sram, let bank = sram.table.bank(node: sram.cactiNode, bytes: memory.bankBytes, widthBits: Double(memory.widthBits)) else {
            return nil
        }
        let scale = Double(nodeNanometres) / Double(sram.cactiNode)
        return SRAMTable.Bank(readPicojoules: bank.readPicojoules * scale, writePicojoules: bank.writePicojoules * scale,
                              areaSquareMicrons: bank.areaSquareMicrons * scale * scale, leakageMilliwatts: bank.leakageMilliwatts * scale)
    }

    /// The table with every SRAM counter priced for `architecture`'s memories (their capacity,
    /// banks and port width), and their leakage over each cycle of its clock; unchanged when the
    /// table prices SRAM counters as fixed actions.
    public func priced(for architecture: ArchitectureConfig, headDimension: Int = 128) -> EnergyTable {
        guard let sram else { return self }
        var result = self
        result.sramLeakagePicojoulesPerCycle = 0
        for memory in architecture.memories(headDimension: headDimension) {
            guard let bank = bank(of: memory) else { continue }
            // mW x ns per cycle = pJ per cycle, every bank of every memory the architecture builds.
            if memory.built { result.sramLeakagePicojoulesPerCycle += Double(memory.banks) * bank.leakageMilliwatts * 1000 / architecture.clockMHz }
            let shape = "\(memory.name): \(memory.banks) x \(EnergyTable.describe(bytes: memory.bankBytes)) banks, \(memory.widthBits)-bit ports"
            let rule = "CACTI \(sram.cactiNode) nm (\(URL(fileURLWithPath: sram.path).lastPathComponent))"
                + (sram.cactiNode == nodeNanometres ? "" : " x \(nodeNanometres)/\(sram.cactiNode)")
            let width = Double(memory.widthBits)
            if let name = memory.readCounter { result.actions[name] = Entry(picojoules: bank.readPicojoules / width, source: "\(shape), \(rule)") }
            if let name = memory.writeCounter { result.actions[name] = Entry(picojoules: bank.writePicojoules / width, source: "\(shape), \(rule)") }
        }
        return result
    }

    public static func describe(bytes value: Double) -> String {
        value >= 1024 && value.truncatingRemainder(dividingBy: 1024) == 0 ? "\(Int(value) / 1024) KiB" : "\(Int(value.rounded())) B"
    }

    /// Checks the table prices every action counter the model can emit.
    public func requireEntries(for counters: [String]) throws {
        let missing = counters.filter { !$0.hasPrefix("controller.") && !$0.hasPrefix("heartbeat.") }
            .filter { !EnergyTable.nonActions.contains($0) && actions[$0] == nil }
        if !missing.isEmpty {
            throw ConfigError(path: "energy table (\(nodeNanometres) nm)", problems: missing.map { "actions.\($0): missing" })
        }
    }

    /// Energy of a run, per component, in pJ. On a part's channels (`timing`), DRAM energy is the
    /// commands' and the standby time's, priced by the part's currents (`DRAMParts`, DRAMPower):
    /// activate, read/write, refresh and background; on the ideal interface, bits x the table's
    /// flat rate per bit.
    public func energy(counters: [String: UInt64], cycles: UInt64, processingElements: Int, dram technology: String,
                       timing: DRAMTiming? = nil) throws -> EnergyBreakdown {
        try requireEntries(for: Array(counters.keys))
        guard let read = dramRead[technology], let write = dramWrite[technology] else {
            throw ConfigError(path: "energy table (\(nodeNanometres) nm)",
                              problems: ["dram.\(technology): missing (the table has \(dramRead.keys.sorted().joined(separator: ", ")))"])
        }
        var components = [String: Double]()
        // In name order: a floating-point sum must not depend on a dictionary's iteration order.
        for name in counters.keys.sorted() where actions[name] != nil {
            components[EnergyBreakdown.component(of: name), default: 0] += Double(counters[name]!) * actions[name]!.picojoules
        }
        if let timing {
            let power = try DRAMParts.part(technology).power
            for (name, picojoules) in power.energy(DRAMPower.activity(counters: counters, cycles: cycles, timing: timing), timing: timing) {
                components[name] = picojoules
            }
        } else {
            components["dram", default: 0] += Double(counters["dram.read_bits"] ?? 0) * read.picojoules
                + Double(counters["dram.write_bits"] ?? 0) * write.picojoules
        }
        components["leakage"] = Double(cycles) * Double(processingElements) * peLeakage.picojoules
        if sramLeakagePicojoulesPerCycle > 0 { components["sram_leakage"] = Double(cycles) * sramLeakagePicojoulesPerCycle }
        return EnergyBreakdown(picojoules: components)
    }
}

/// Energy per component (pe, sac, decoder, wbuf, abuf, obuf, vector, kv, dram, leakage: the PEs',
/// sram_leakage: the memories') in pJ; a
/// run on a DRAM standard's channels has dram_activate, dram_rw, dram_refresh and dram_background
/// in place of dram.
public struct EnergyBreakdown: Equatable, Sendable, Encodable {
    public var picojoules: [String: Double]

    public static let order = ["pe", "sac", "decoder", "wbuf", "abuf", "obuf", "vector", "kv", "dram"] + DRAMPower.components + ["leakage", "sram_leakage"]

    public var total: Double { EnergyBreakdown.total(picojoules) }

    /// The sum of components in name order, so equal breakdowns always give the same total.
    public static func total(_ picojoules: [String: Double]) -> Double {
        picojoules.keys.sorted().reduce(0) { $0 + picojoules[$1]! }
    }

    static func component(of counter: String) -> String {
        if counter.hasPrefix("output.") { return "sac" }
        return String(counter.prefix { $0 != "." })
    }
}
