import Foundation
import MantHardware
import MantNumerics
import Yams

/// One accelerator architecture as a config file describes it: the array, its buffers and DRAM
/// interface, its clock, and the formats it runs.
///
///     name: M-ANT
///     pe: mant                  # a PE type (MantHardware's PEType: fp16, int, mant, ...)
///     clock_mhz: 500
///     dataflow: ws              # default dataflow: ws or os
///     array: {rows: 32, columns: 32, weight_link_bits: 256, timing: pipelined}
///                               # weight_link_bits: codes per cycle into the array (default columns x 8);
///                               # timing: pipelined (tiles overlap) or serial (SCALE-Sim's folds)
///                               # mapping: searched (least DRAM traffic per GEMM) or fixed
///                               # weight_sets: weight registers per PE (default 2)
///     buffers: {weight_bytes: 131072, activation_bytes: 262144, output_bytes: 131072,
///               weight_banks: 32, weight_bank_bits: 32, ...}   # ports optional (defaults: ArrayConfig)
///     dram: {bits_per_cycle: 1024, latency_cycles: 100, technology: ddr4}   # ddr4, lpddr4, hbm2 (energy)
///     dram: {technology: hbm2, channels: 2}   # or: the standard's channels (default 1), banks and timing (DRAMTiming)
///     formats: {weights: mant4, group: 64, activation_bits: 8,    # group: N or channel
///               kv: mant4, kv_group: 64,                         # KV cache; default: the weights'
///               vq_scope: tensor}                                # VQ weight codebooks: tensor, tileN or rowsN
///                               # a VQ array's KV cache: fp16 (decoder bypassed), cq4 or cq2 (one codebook per head's K or V)
///     vector: {lanes: 32, pipeline_cycles: 8}                    # optional (these defaults)
///     kv_engine: {lanes: 64, latency_cycles: 4, window: 64, window_capacity: 64}
///                               # optional, M-ANT arrays: the two-stage KV-cache engine
///     decoder: {codebook_bytes: 524288, codebook_banks: 16, hot_entries: 0, hot_ports: 4, lanes: 16}
///                               # optional, VQ arrays (these defaults: ArrayConfig)
///     decoder: {scale: decoder}  # LUT arrays: group scale at the decoder (FP16) or in a SAC row (sac)
public struct ArchitectureConfig: Equatable, Sendable {
    public var name: String
    public var array: ArrayConfig
    public var clockMHz: Double
    public var dataflow: Dataflow
    public var weightFormat: FormatDescriptor
    public var activationBits: Int
    /// The KV cache's format: K is [tokens, head_dim] with groups along the head dimension, V is
    /// read as V^T [head_dim, tokens] with groups along tokens (the reduction axis of P*V).
    public var kvFormat: FormatDescriptor
    /// The KV format as V^T [head_dim, tokens] is stored: a VQ cache's vectors couple head channels
    /// of one token (as CQ quantizes), which run down V^T's rows.
    public var valueCacheFormat: FormatDescriptor {
        var format = kvFormat
        format.vq?.axis = .output
        return format
    }
    /// The vector unit beside the array (norms, softmax, activation functions).
    public var vector: VectorUnitConfig
    /// The two-stage KV-cache engine, when the architecture has one (M-ANT arrays only); its
    /// head dimension comes from the model.
    public var kvEngine: KVEngineConfig?
    /// Priced by the energy table's `dram` section: ddr4, lpddr4 or hbm2.
    public var dramTechnology: String
    /// An array of its own for attention (Q*K^T and P*V), for a KV cache in a format the main
    /// array's PEs do not take (ANT or OliVe PEs with an FP16 cache): its PE type and size, the
    /// main array's buffers, DRAM and clock. Attention runs on it, one operator after another
    /// as on the main array.
    public var attentionUnit: ArrayConfig? = nil
    /// The file it was read from, for messages about problems found later (nil when built in code).
    public var sourcePath: String? = nil
    /// The name and, when known, the file: how messages refer to it.
    public var label: String { sourcePath.map { "\(name) (\($0))" } ?? name }
    /// The array attention runs on.
    public var attentionArray: ArrayConfig { attentionUnit ?? array }
    /// The array a job runs on (attention on the attention unit when there is one), as wide as
    /// its PEs: an INT array's PEs take the weight format's width (an attention unit's, the KV
    /// format's), and a wider int operand runs in digit passes.
    public func array(running job: GemmOperands, attention: Bool) -> ArrayConfig {
        var config = attention ? attentionArray : array
        if config.peType == .int { config.peWeightBits = attention && attentionUnit != nil ? kvFormat.bits : weightFormat.bits }
        return config
    }
    /// PEs that leak every cycle: the main array's and the attention unit's.
    public var leakingPEs: Int { array.rows * array.columns + (attentionUnit.map { $0.rows * $0.columns } ?? 0) }

    /// Reads and validates a file; every problem is reported at once, each with the file,
    /// component and field.
    public static func load(path: String) throws -> ArchitectureConfig {
        var config = try parse(try ConfigReader.text(of: path), path: path)
        config.sourcePath = path
        return config
    }

    public static func parse(_ text: String, path: String) throws -> ArchitectureConfig {
        var reader = ConfigReader(path: path)
        return try parse(tree: try reader.topMapping(text), path: path)
    }

    /// A config file's YAML tree, checked by `YAMLGuard`, for callers that set fields before it is
    /// read (sweeps): `parse(tree:path:)` then validates it as a file.
    public static func tree(path: String) throws -> [String: Any] {
        var reader = ConfigReader(path: path)
        return try reader.topMapping(try ConfigReader.text(of: path))
    }

    public static func parse(tree top: [String: Any], path: String) throws -> ArchitectureConfig {
        var reader = ConfigReader(path: path)
        reader.allow(top, keys: ["name", "pe", "clock_mhz", "dataflow", "array", "buffers", "dram", "formats", "vector", "kv_engine", "decoder",
                                 "attention_unit"],
                     at: "")
        let name = reader.string(top, "name", at: "") ?? ""
        let pe = reader.choice(top, "pe", at: "", PEType.self)
        let clock = reader.number(top, "clock_mhz", at: "", positive: true, range: 1...100_000) ?? 1
        let dataflow = reader.choice(top, "dataflow", at: "", Dataflow.self, default: .weightStationary)

        let array = reader.mapping(top["array"], at: "array")
        let buffers = reader.mapping(top["buffers"], at: "buffers")
        let dram = reader.mapping(top["dram"], at: "dram")
        let formats = reader.mapping(top["formats"], at: "formats")
        var config = ArrayConfig(peType: pe ?? .mant)
        var dramTechnology = "ddr4"
        if let array { reader.readArray(array, into: &config) }
        if let buffers { reader.readBuffers(buffers, into: &config) }
        if let dram { dramTechnology = reader.readDRAM(dram, into: &config, clockMHz: clock) ?? dramTechnology }
        var weightFormat = FormatDescriptor(kind: .mant, bits: 4, granularity: .group(64))
        var kvFormat: FormatDescriptor?
        var activationBits = 8
        var attentionUnit: ArrayConfig?
        if top["attention_unit"] != nil, let unit = reader.mapping(top["attention_unit"], at: "attention_unit") {
            attentionUnit = reader.readAttentionUnit(unit, main: config)
        }
        if let formats {
            (weightFormat, kvFormat, activationBits) = reader.readFormats(formats, pe: pe, default: weightFormat, kvPE: attentionUnit?.peType)
        }
        var vector = VectorUnitConfig()
        if top["vector"] != nil, let unit = reader.mapping(top["vector"], at: "vector") { vector = reader.readVector(unit) }
        var kvEngine: KVEngineConfig?
        if top["kv_engine"] != nil, let unit = reader.mapping(top["kv_engine"], at: "kv_engine") {
            kvEngine = reader.readKVEngine(unit, pe: pe, dramBitsPerCycle: config.dramBitsPerCycle)
            kvEngine?.dramTiming = config.dramTiming
        }
        if top["decoder"] != nil, let unit = reader.mapping(top["decoder"], at: "decoder") { reader.readDecoder(unit, pe: pe, into: &config) }
        if let pe {
            var formats = config
            formats.peType = pe
            for problem in ArchitectureConfig.formatProblems(array: formats, dataflow: dataflow ?? .weightStationary,
                                                             formats: [("weights", weightFormat), ("kv", kvFormat)]) {
                reader.problem(problem)
            }
        }
        try reader.finish()
        config.peType = pe!
        return ArchitectureConfig(name: name, array: config, clockMHz: clock, dataflow: dataflow ?? .weightStationary,
                                  weightFormat: weightFormat, activationBits: activationBits, kvFormat: kvFormat ?? weightFormat,
                                  vector: vector, kvEngine: kvEngine, dramTechnology: dramTechnology, attentionUnit: attentionUnit)
    }
}

extension ArchitectureConfig {
    /// The same architecture on `channels` channels of a DRAM standard (ddr4, lpddr4, hbm2): its
    /// timing, peak and energy per bit in place of the file's `dram` section.
    public func withDRAM(technology: String, channels: Int) throws -> ArchitectureConfig {
        guard (1...1024).contains(channels), DRAMParts.names.contains(technology) else {
            throw ConfigError(path: "--dram", problems: ["expected a DRAM part (\(DRAMParts.names.joined(separator: ", ")); Configs/dram) with 1 to 1024 channels (hbm2x2), got \(technology)x\(channels)"])
        }
        let timing = try DRAMParts.timing(technology, channels: channels, clockMHz: clockMHz)
        func onTiming(_ config: ArrayConfig) -> ArrayConfig {
            var config = config
            config.dramTiming = timing
            config.dramBitsPerCycle = max(1, Int(timing.peakBitsPerCycle(clockMHz: clockMHz)))
            config.dramLatencyCycles = 0
            return config
        }
        var result = self
        result.array = onTiming(array)
        result.attentionUnit = attentionUnit.map(onTiming)
        result.kvEngine?.dramTiming = timing
        result.dramTechnology = technology
        result.name = "\(name) on \(timing.standard) x\(channels)"
        return result
    }

    /// What keeps this array from running these formats, one line per problem naming the field
    /// (empty: it can). The one check of formats against hardware, used when a file is read and by
    /// studies that swap a format in: they report the point as infeasible instead of resizing.
    public var formatProblems: [String] {
        ArchitectureConfig.formatProblems(array: array, dataflow: dataflow, formats: [("weights", weightFormat), ("kv", kvFormat)])
    }

    public static func formatProblems(array: ArrayConfig, dataflow: Dataflow, formats: [(key: String, format: FormatDescriptor?)]) -> [String] {
        var problems = [String]()
        if array.peType == .vq, dataflow == .outputStationary { problems.append("dataflow: the VQ array is weight-stationary only") }
        // The decoder reads the weights' codebooks and, for a VQ-coded KV cache, the cache's.
        for (key, format) in formats where array.peType == .vq {
            guard let format, let vq = format.vq else { continue }
            let needed = vq.codebookSetBytes
            if needed > array.codebookBytes {
                problems.append("decoder.codebook_bytes: \(array.codebookBytes) bytes cannot hold one set of formats.\(key) (\(format.name)) codebooks (\(needed) bytes)")
            }
            if array.hotEntries > vq.entries {
                problems.append("decoder.hot_entries: \(array.hotEntries) is more than the formats.\(key) (\(format.name)) codebook's \(vq.entries) entries")
            }
        }
        return problems
    }
}

/// The vector unit: `lanes` elements per cycle per pass, each pass `pipelineCycles` deep. The
/// defaults are this model's choice: one lane per column of a 32-wide array, an 8-stage FP32 pipeline.
public struct VectorUnitConfig: Equatable, Sendable {
    public var lanes = 32
    public var pipelineCycles = 8

    public init(lanes: Int = 32, pipelineCycles: Int = 8) {
        self.lanes = lanes
        self.pipelineCycles = pipelineCycles
    }
}

extension ConfigReader {
    /// The `array` section: size, weight link, weight sets, timing and mapping.
    mutating func readArray(_ array: [String: Any], into config: inout ArrayConfig) {
        allow(array, keys: ["rows", "columns", "weight_link_bits", "weight_sets", "timing", "mapping"], at: "array")
        let limits = ArrayLimits.model
        config.rows = integer(array, "rows", at: "array", range: limits.side) ?? config.rows
        config.columns = integer(array, "columns", at: "array", range: limits.side) ?? config.columns
        config.weightLinkBits = integer(array, "weight_link_bits", at: "array", range: limits.weightLinkBits, required: false) ?? 0
        config.timing = choice(array, "timing", at: "array", Timing.self, default: .pipelined) ?? .pipelined
        config.weightSets = integer(array, "weight_sets", at: "array", range: limits.weightSets, required: false) ?? config.weightSets
        config.mapping = choice(array, "mapping", at: "array", Mapping.self, default: .searched) ?? .searched
    }

    /// The `buffers` section: capacities and ports (banks x bank width).
    mutating func readBuffers(_ buffers: [String: Any], into config: inout ArrayConfig) {
        allow(buffers, keys: ["weight_bytes", "activation_bytes", "output_bytes", "weight_banks", "weight_bank_bits",
                              "activation_banks", "activation_bank_bits", "output_banks", "output_bank_bits"], at: "buffers")
        let limits = ArrayLimits.model
        func port(_ key: String, _ range: ClosedRange<Int>, _ fallback: Int) -> Int {
            integer(buffers, key, at: "buffers", range: range, required: false) ?? fallback
        }
        config.weightBufferBanks = port("weight_banks", limits.bufferBanks, config.weightBufferBanks)
        config.weightBufferBankBits = port("weight_bank_bits", limits.bankBits, config.weightBufferBankBits)
        config.activationBufferBanks = port("activation_banks", limits.bufferBanks, config.activationBufferBanks)
        config.activationBufferBankBits = port("activation_bank_bits", limits.bankBits, config.activationBufferBankBits)
        config.outputBufferBanks = port("output_banks", limits.bufferBanks, config.outputBufferBanks)
        config.outputBufferBankBits = port("output_bank_bits", limits.bankBits, config.outputBufferBankBits)
        config.weightBufferBytes = integer(buffers, "weight_bytes", at: "buffers", range: limits.bufferBytes) ?? 0
        config.activationBufferBytes = integer(buffers, "activation_bytes", at: "buffers", range: limits.bufferBytes) ?? 0
        config.outputBufferBytes = integer(buffers, "output_bytes", at: "buffers", range: limits.bufferBytes) ?? 0
    }

    /// The `dram` section; returns the technology when it names a known one. The technology's
    /// standard (DRAMTiming) sets bandwidth and timing on `channels` channels (default 1), unless
    /// the section gives the ideal interface's `bits_per_cycle` (and `latency_cycles`).
    mutating func readDRAM(_ dram: [String: Any], into config: inout ArrayConfig, clockMHz: Double) -> String? {
        allow(dram, keys: ["bits_per_cycle", "latency_cycles", "technology", "channels"], at: "dram")
        var chosen: String?
        if let technology = dram["technology"] {
            if let name = technology as? String, DRAMParts.names.contains(name) {
                chosen = name
            } else {
                problem("dram.technology: expected one of the DRAM parts (\(DRAMParts.names.joined(separator: ", ")); Configs/dram), got \(technology)")
            }
        }
        if dram["channels"] != nil || dram["bits_per_cycle"] == nil {
            for key in ["bits_per_cycle", "latency_cycles"] where dram[key] != nil {
                problem("dram.\(key): set by dram.technology's timing when dram.channels is given; give one or the other")
            }
            let channels = integer(dram, "channels", at: "dram", range: 1...1024, required: false) ?? 1
            do {
                let timing = try DRAMParts.timing(chosen ?? "ddr4", channels: channels, clockMHz: clockMHz)
                config.dramTiming = timing
                config.dramBitsPerCycle = max(1, Int(timing.peakBitsPerCycle(clockMHz: clockMHz)))
                config.dramLatencyCycles = 0
            } catch {
                problem("dram.technology: \(error)")
            }
            return chosen
        }
        config.dramBitsPerCycle = integer(dram, "bits_per_cycle", at: "dram", range: ArrayLimits.model.dramBitsPerCycle) ?? 1
        config.dramLatencyCycles = integer(dram, "latency_cycles", at: "dram", range: ArrayLimits.model.dramLatencyCycles) ?? 0
        return chosen
    }
}

extension ConfigReader {
    /// The `vector` section.
    mutating func readVector(_ unit: [String: Any]) -> VectorUnitConfig {
        var vector = VectorUnitConfig()
        allow(unit, keys: ["lanes", "pipeline_cycles"], at: "vector")
        vector.lanes = integer(unit, "lanes", at: "vector", range: 1...65536, required: false) ?? vector.lanes
        vector.pipelineCycles = integer(unit, "pipeline_cycles", at: "vector", range: 0...10000, required: false) ?? vector.pipelineCycles
        return vector
    }

    /// The `kv_engine` section (M-ANT arrays only).
    mutating func readKVEngine(_ unit: [String: Any], pe: PEType?, dramBitsPerCycle: Int) -> KVEngineConfig {
        allow(unit, keys: ["lanes", "latency_cycles", "window", "window_capacity"], at: "kv_engine")
        var engine = KVEngineConfig()
        engine.lanes = integer(unit, "lanes", at: "kv_engine", range: 1...65536, required: false) ?? engine.lanes
        engine.latencyCycles = integer(unit, "latency_cycles", at: "kv_engine", range: 0...10000, required: false) ?? engine.latencyCycles
        engine.window = integer(unit, "window", at: "kv_engine", range: 1...4096, required: false) ?? engine.window
        engine.windowCapacity = integer(unit, "window_capacity", at: "kv_engine", range: 1...4096, required: false) ?? engine.windowCapacity
        engine.dramBitsPerCycle = dramBitsPerCycle
        if engine.window > engine.windowCapacity {
            problem("kv_engine.window: \(engine.window) tokens do not fit a window buffer of \(engine.windowCapacity) tokens")
        }
        if let pe, pe != .mant { problem("kv_engine: the two-stage engine writes M-ANT; a '\(pe.rawValue)' array cannot read it") }
        return engine
    }

    /// The `decoder` section: a VQ array's codebook SRAM and hot store, a LUT array's scale placement.
    mutating func readDecoder(_ unit: [String: Any], pe: PEType?, into config: inout ArrayConfig) {
        allow(unit, keys: ["codebook_bytes", "codebook_banks", "hot_entries", "hot_ports", "lanes", "scale"], at: "decoder")
        let codebookKeys = ["codebook_bytes", "codebook_banks", "hot_entries", "hot_ports", "lanes"].filter { unit[$0] != nil }
        func read(_ key: String, _ range: ClosedRange<Int>, _ fallback: Int) -> Int {
            integer(unit, key, at: "decoder", range: range, required: false) ?? fallback
        }
        config.codebookBytes = read("codebook_bytes", 1...(1 << 30), config.codebookBytes)
        config.codebookBanks = read("codebook_banks", 1...4096, config.codebookBanks)
        config.hotEntries = read("hot_entries", 0...65536, config.hotEntries)
        config.hotPorts = read("hot_ports", 1...4096, config.hotPorts)
        config.decoderLanes = read("lanes", 1...4096, config.decoderLanes)
        if let pe, pe != .vq, let key = codebookKeys.first {
            problem("decoder.\(key): the codebook decoder belongs to VQ arrays, not '\(pe.rawValue)'")
        }
        if unit["scale"] != nil {
            config.lutScale = choice(unit, "scale", at: "decoder", LUTScale.self) ?? config.lutScale
            if let pe, pe != .lut { problem("decoder.scale: only a LUT array places its group scale, not '\(pe.rawValue)'") }
        }
    }
}

extension ConfigReader {
    /// `formats`: the weight format (with its group and VQ scope), the KV-cache format and the
    /// activation width, each checked against the PE type.
    /// `attention_unit`: {pe, rows, columns}; everything else as the main array.
    mutating func readAttentionUnit(_ unit: [String: Any], main: ArrayConfig) -> ArrayConfig? {
        allow(unit, keys: ["pe", "rows", "columns"], at: "attention_unit")
        guard let pe = choice(unit, "pe", at: "attention_unit", PEType.self) else { return nil }
        let decoded: Set<PEType> = [.lut, .vq]
        if decoded.contains(pe) {
            let plain = PEType.allCases.filter { !decoded.contains($0) }.map(\.rawValue)
            problem("attention_unit.pe: an attention unit reads its operands as they are stored, without a decoder: \(plain.dropLast().joined(separator: ", ")) or \(plain.last!)")
        }
        var config = main
        config.peType = pe
        config.rows = integer(unit, "rows", at: "attention_unit", range: ArrayLimits.model.side, required: false) ?? main.rows
        config.columns = integer(unit, "columns", at: "attention_unit", range: ArrayLimits.model.side, required: false) ?? main.columns
        config.weightLinkBits = 0
        return config
    }

    mutating func readFormats(_ formats: [String: Any], pe: PEType?, default fallback: FormatDescriptor, kvPE: PEType? = nil)
        -> (weights: FormatDescriptor, kv: FormatDescriptor?, activationBits: Int) {
        var weightFormat = fallback
        var kvFormat: FormatDescriptor?
        var activationBits = 8
        allow(formats, keys: ["weights", "group", "activation_bits", "kv", "kv_group", "vq_scope"], at: "formats")
        func granularity(_ key: String) -> Granularity? {
            guard let raw = formats[key] else { return nil }
            if let size = raw as? Int, size > 0 { return .group(size) }
            if let text = raw as? String, let parsed = Granularity(text) { return parsed }
            problem("formats.\(key): expected a group size or 'channel', got \(raw)")
            return nil
        }
        func format(_ key: String, _ name: String, _ granularity: Granularity?) -> FormatDescriptor? {
            do {
                var format = try FormatCatalog.parse(name, granularity: granularity)
                // The scope is the weights'; a VQ KV cache has one set of codebooks per head's K or V.
                if key == "weights", format.vq != nil, let scope = formats["vq_scope"] {
                    guard let text = scope as? String, let parsed = VectorQuantizationConfig.Scope(text) else {
                        problem("formats.vq_scope: expected tensor, tileN or rowsN, got \(scope)")
                        return nil
                    }
                    format.vq?.scope = parsed
                }
                _ = try format.makeFormat()
                // A LUT or VQ array's FP16 datapath reads an FP16 KV cache with its decoder bypassed.
                let bypass = key == "kv" && (pe == .lut || pe == .vq) && PEType(format: format) == .fp16
                // An attention unit runs the KV cache in its own PEs' format; ANT and OliVe PEs, and
                // INT PEs narrower than the weights' codes, run a wider int operand in digit passes.
                let unit = key == "kv" ? kvPE : nil
                let host = unit ?? pe
                // INT PEs are as wide as the weights (an attention unit's, as the KV cache); BitFusion's take 8 bits.
                let width = host == .bitfusion ? 8 : key == "kv" && unit == nil ? weightFormat.bits : format.bits
                let passes = host.flatMap { DigitPasses(format: format, peType: $0, peWeightBits: width) }
                if format.kind == .int, format.bits > 8, host == .int || host == .bitfusion, passes == nil {
                    problem("formats.\(key): \(name) is wider than INT PEs take (2 to 8 bits); it runs in digit passes as the KV cache "
                        + "of an INT, ANT or OliVe array whose weights are narrower")
                } else if let unit {
                    if !unit.takes(format), passes == nil { problem("formats.kv: \(name) does not run on the attention unit's '\(unit.rawValue)' PEs") }
                } else if let pe, !pe.takes(format), !bypass, passes == nil {
                    problem("formats.\(key): \(name) does not run on a '\(pe.rawValue)' array")
                }
                return format
            } catch {
                problem("formats.\(key): \(error)")
                return nil
            }
        }
        if let weights = string(formats, "weights", at: "formats") {
            weightFormat = format("weights", weights, granularity("group")) ?? weightFormat
        }
        if formats["kv"] != nil, let kv = string(formats, "kv", at: "formats") {
            kvFormat = format("kv", kv, granularity("kv_group"))
        } else if formats["kv_group"] != nil {
            problem("formats.kv_group: given without formats.kv")
        }
        activationBits = integer(formats, "activation_bits", at: "formats", range: 4...16, required: false) ?? 8
        if let pe, !pe.multipliesFP16, activationBits != 8, activationBits != 4 {
            problem("formats.activation_bits: integer arrays read 8- or 4-bit activations, got \(activationBits)")
        }
        return (weightFormat, kvFormat, activationBits)
    }
}
