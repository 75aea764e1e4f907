internal import CMantSimRTL
import MantNumerics

/// The kind of PE an array is built from; each runs the weight format of the same name.
public enum PEType: String, CaseIterable, Sendable, Codable {
    case fp16, int, mant, ant, olive, mxfp4, lut, vq, bitfusion

    /// The model's MANTSIM_PE_* value: the PE kind of the same name (pe_kinds.cpp lists them).
    var code: mantsim_pe_type { PEType.codes[self]! }

    private static let codes: [PEType: mantsim_pe_type] = {
        var codes = [PEType: mantsim_pe_type]()
        for raw in 0..<mantsim_pe_type_count() {
            var info = mantsim_pe_kind_info()
            let code = mantsim_pe_type(rawValue: raw)
            guard mantsim_pe_kind(code, 8, 8, &info) == MANTSIM_OK, let type = PEType(rawValue: String(cString: info.name)) else { continue }
            codes[type] = code
        }
        precondition(codes.count == PEType.allCases.count, "every PEType names a PE kind of the model")
        return codes
    }()

    /// The model's PE kind record for this type (pe_kind.hpp), at the given widths.
    public struct Kind: Sendable, Equatable {
        /// PEs that multiply FP16 values: FP16 weights, or a LUT or VQ decoder's FP16 output.
        public var multipliesFP16: Bool
        /// M-ANT's shift lane beside the MAC lane.
        public var shiftLane: Bool
        public var groupMetadata: Bool
        /// The counter of one valid MAC (`pe.mac_*`); the energy table's area entry of the PE has its name.
        public var macCounter: String
        /// Products one PE makes per cycle at these widths (BitFusion: 16 / (bricks(w) x bricks(a))).
        public var productsPerCycle: Int
    }

    public func kind(weightBits: Int = 8, activationBits: Int = 8) -> Kind {
        var info = mantsim_pe_kind_info()
        let status = mantsim_pe_kind(code, UInt32(clamping: weightBits), UInt32(clamping: activationBits), &info)
        precondition(status == MANTSIM_OK, "every PEType has a PE kind in the model")
        return Kind(multipliesFP16: info.float_datapath != 0, shiftLane: info.shift_lane != 0, groupMetadata: info.group_metadata != 0,
                    macCounter: String(cString: mantsim_rtl_counter_name(info.mac_counter)), productsPerCycle: Int(info.products_per_cycle))
    }

    public var multipliesFP16: Bool { kind().multipliesFP16 }

    /// The PE type that runs a weight format, or nil when no array here runs it: each type runs
    /// the format kind of its name, integer arrays symmetric formats only, LUT arrays group or
    /// channel tables.
    public init?(format: FormatDescriptor) {
        guard let type = PEType(rawValue: format.kind.rawValue) else { return nil }
        if type == .int && !format.symmetric || type == .lut && format.granularity == .tensor { return nil }
        self = type
    }

    /// Whether these PEs run `format` as it is: their own kind's formats, and for BitFusion's
    /// precision-scalable PEs symmetric INT of 2 to 8 bits.
    public func takes(_ format: FormatDescriptor) -> Bool {
        let own = PEType(format: format)
        return own == self || self == .bitfusion && own == .int && format.bits <= 8
    }

    /// Whether these PEs run operands prepared for `other`'s: BitFusion runs INT operands, and the
    /// model runs FP16 operands on a LUT or VQ array's FP16 datapath with its decoder bypassed.
    public func takes(_ other: PEType) -> Bool {
        other == self || self == .bitfusion && other == .int || other == .fp16 && kind().multipliesFP16
    }
}

/// Weight-stationary or output-stationary, chosen per job.
public enum Dataflow: String, CaseIterable, Sendable, Codable {
    case weightStationary = "ws"
    case outputStationary = "os"

    var code: mantsim_dataflow { self == .weightStationary ? MANTSIM_DATAFLOW_WEIGHT_STATIONARY : MANTSIM_DATAFLOW_OUTPUT_STATIONARY }
}

/// How tiles follow each other in the array: overlapped (the default; RTLModels/README.md) or one
/// after another with a full weight preload per fold, as SCALE-Sim schedules them.
public enum Timing: String, CaseIterable, Sendable, Codable {
    case pipelined, serial

    var code: mantsim_timing { self == .pipelined ? MANTSIM_TIMING_PIPELINED : MANTSIM_TIMING_SERIAL }
}

/// How a weight-stationary GEMM is laid onto the array: searched per GEMM for the least DRAM
/// traffic (the default), or the fixed nest (M tiles as large as the ABUF holds every row of K).
public enum Mapping: String, CaseIterable, Sendable, Codable {
    case searched, fixed

    var code: mantsim_mapping { self == .searched ? MANTSIM_MAPPING_SEARCHED : MANTSIM_MAPPING_FIXED }
}

/// Where a LUT array applies each group's FP16 scale: multiplied into the table entry at the
/// decoder (FLUTE's W = table[q] * s in FP16), or to each group's FP32 sum in a SAC row.
public enum LUTScale: String, CaseIterable, Sendable, Codable {
    case decoder, sac

    var code: mantsim_lut_scale { self == .decoder ? MANTSIM_LUT_SCALE_DECODER : MANTSIM_LUT_SCALE_SAC }
}

/// The bounds the model accepts for an array (`mantsim_array_limits_get`, common/limits.hpp): the
/// config reader checks the same numbers the model does.
public struct ArrayLimits: Sendable {
    public let side: ClosedRange<Int>
    public let weightSets: ClosedRange<Int>
    public let bufferBytes: ClosedRange<Int>
    public let bufferBanks: ClosedRange<Int>
    public let bankBits: ClosedRange<Int>
    public let dramBitsPerCycle: ClosedRange<Int>
    public let dramLatencyCycles: ClosedRange<Int>
    public let weightLinkBits: ClosedRange<Int>

    public static let model: ArrayLimits = {
        let limits = mantsim_array_limits_get()
        return ArrayLimits(side: Int(limits.min_side)...Int(limits.max_side),
                           weightSets: Int(limits.min_weight_sets)...Int(limits.max_weight_sets),
                           bufferBytes: 1...Int(limits.max_buffer_bytes), bufferBanks: 1...Int(limits.max_buffer_banks),
                           bankBits: 1...Int(limits.max_bank_bits), dramBitsPerCycle: 1...Int(limits.max_dram_bits_per_cycle),
                           dramLatencyCycles: 0...Int(limits.max_dram_latency_cycles), weightLinkBits: 1...Int(limits.max_weight_link_bits))
    }()
}

/// Array size, PE type, buffers and DRAM interface of one accelerator instance.
public struct ArrayConfig: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    public var peType: PEType
    public var weightBufferBytes: Int
    public var activationBufferBytes: Int
    public var outputBufferBytes: Int
    /// Buffer ports: banks x bits per bank move to or from the array each cycle.
    public var weightBufferBanks: Int
    public var weightBufferBankBits: Int
    public var activationBufferBanks: Int
    public var activationBufferBankBits: Int
    public var outputBufferBanks: Int
    public var outputBufferBankBits: Int
    /// The ideal interface: bits per cycle after a fixed latency (with `dramTiming`, its peak,
    /// rounded down, which only bounds the model's cycle budget).
    public var dramBitsPerCycle: Int
    public var dramLatencyCycles: Int
    /// A DRAM standard's channels, banks and timing in place of the ideal interface.
    public var dramTiming: DRAMTiming? = nil
    /// The DRAM's peak in bits per cycle.
    public var dramPeakBitsPerCycle: Double { dramTiming.map { $0.peakBitsPerCycle(clockMHz: $0.clockMHz) } ?? Double(dramBitsPerCycle) }
    /// Bits of weight codes per cycle into the whole array's shadow registers (0: one INT8 row of
    /// the array per cycle, columns x 8).
    public var weightLinkBits: Int = 0
    /// Weight registers per PE: 2 double-buffers; more let the link fill a set while the waves
    /// of the tiles in the others still cross the array.
    public var weightSets: Int = 2
    public var timing: Timing = .pipelined
    public var mapping: Mapping = .searched
    /// An INT array's weight width (2 to 8 bits): wider int operands run in digit passes
    /// (DigitPasses). ArchitectureConfig sets it from the weight format.
    public var peWeightBits: Int = 8
    /// The link width the array runs with.
    public var effectiveWeightLinkBits: Int { weightLinkBits > 0 ? weightLinkBits : columns * 8 }
    /// VQ decoder: codebook SRAM bytes and banks, hot-entry store entries and ports, lookups per cycle.
    public var codebookBytes: Int
    public var codebookBanks: Int
    public var hotEntries: Int
    public var hotPorts: Int
    public var decoderLanes: Int
    /// LUT array: where the group scale is applied.
    public var lutScale: LUTScale = .decoder

    /// The model's default array (`mantsim_array_config_default`, whose comment gives the sources:
    /// the ANT simulator's 32 x 32 array and buffers, this model's ports, DRAM latency and VQ
    /// decoder), with this PE type and size.
    public init(peType: PEType, rows: Int = 32, columns: Int = 32) {
        let model = mantsim_array_config_default()
        self.rows = rows
        self.columns = columns
        self.peType = peType
        (weightBufferBytes, weightBufferBanks, weightBufferBankBits) = ArrayConfig.buffer(model.weight_buffer)
        (activationBufferBytes, activationBufferBanks, activationBufferBankBits) = ArrayConfig.buffer(model.activation_buffer)
        (outputBufferBytes, outputBufferBanks, outputBufferBankBits) = ArrayConfig.buffer(model.output_buffer)
        (dramBitsPerCycle, dramLatencyCycles) = (Int(model.dram.bits_per_cycle), Int(model.dram.latency_cycles))
        weightSets = Int(model.weight_sets)
        (codebookBytes, codebookBanks, hotEntries, hotPorts, decoderLanes) =
            (Int(model.vq.codebook_bytes), Int(model.vq.codebook_banks), Int(model.vq.hot_entries), Int(model.vq.hot_ports), Int(model.vq.lanes))
    }

    private static func buffer(_ buffer: mantsim_buffer) -> (Int, Int, Int) { (Int(buffer.bytes), Int(buffer.banks), Int(buffer.bank_bits)) }

    var cConfig: mantsim_array_config {
        var config = mantsim_array_config_default()
        config.rows = UInt32(clamping: rows)
        config.columns = UInt32(clamping: columns)
        config.pe_type = peType.code
        func buffer(_ bytes: Int, _ banks: Int, _ bits: Int) -> mantsim_buffer {
            mantsim_buffer(bytes: UInt64(clamping: bytes), banks: UInt32(clamping: banks), bank_bits: UInt32(clamping: bits))
        }
        config.weight_buffer = buffer(weightBufferBytes, weightBufferBanks, weightBufferBankBits)
        config.activation_buffer = buffer(activationBufferBytes, activationBufferBanks, activationBufferBankBits)
        config.output_buffer = buffer(outputBufferBytes, outputBufferBanks, outputBufferBankBits)
        config.dram.bits_per_cycle = UInt32(clamping: dramBitsPerCycle)
        config.dram.latency_cycles = UInt32(clamping: dramLatencyCycles)
        if let dramTiming { config.dram.timing = dramTiming.cTiming() }
        config.lut_scale = lutScale.code
        config.vq = mantsim_vq_decoder(codebook_bytes: UInt64(clamping: codebookBytes), codebook_banks: UInt32(clamping: codebookBanks),
                                       hot_entries: UInt32(clamping: hotEntries), hot_ports: UInt32(clamping: hotPorts),
                                       lanes: UInt32(clamping: decoderLanes))
        config.weight_link_bits = UInt32(clamping: effectiveWeightLinkBits)
        config.timing = timing.code
        config.weight_sets = UInt32(clamping: weightSets)
        config.mapping = mapping.code
        return config
    }
}
