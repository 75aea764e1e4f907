internal import CMantSimRTL
import MantNumerics

/// Parameters of the SystemC two-stage KV-cache quantization engine (RTLModels/README.md).
public struct KVEngineConfig: Equatable, Sendable {
    public var headDimension: Int
    public var keyGroup: Int
    public var window: Int
    public var windowCapacity: Int
    /// Element operations per cycle.
    public var lanes: Int
    public var latencyCycles: Int
    public var dramBitsPerCycle: Int
    /// A DRAM part's channels, when the architecture runs on them: the writes go through their banks.
    public var dramTiming: DRAMTiming? = nil

    /// The model's default engine (`mantsim_kv_config_default`: M-ANT's K groups and V windows of
    /// 64 tokens; this model's lanes, latency and DRAM port), for heads of `headDimension`.
    public init(headDimension: Int = 128) {
        let model = mantsim_kv_config_default()
        self.headDimension = headDimension
        (keyGroup, window, windowCapacity) = (Int(model.key_group), Int(model.window), Int(model.window_capacity))
        (lanes, latencyCycles, dramBitsPerCycle) = (Int(model.lanes), Int(model.latency_cycles), Int(model.dram_bits_per_cycle))
    }

    var cConfig: mantsim_kv_config {
        var config = mantsim_kv_config_default()
        config.head_dim = UInt32(clamping: headDimension)
        config.key_group = UInt32(clamping: keyGroup)
        config.window = UInt32(clamping: window)
        config.window_capacity = UInt32(clamping: windowCapacity)
        config.lanes = UInt32(clamping: lanes)
        config.latency_cycles = UInt32(clamping: latencyCycles)
        config.dram_bits_per_cycle = UInt32(clamping: dramBitsPerCycle)
        if let dramTiming { config.dram_timing = dramTiming.cTiming() }
        return config
    }
}

/// What the engine wrote for a token stream, in the forms `TwoStageKVCache` gives, and its cost.
public struct KVEngineResult: Sendable {
    /// K [tokens, head_dim] in M-ANT, groups along the head dimension.
    public var keys: QuantizedTensor
    /// V^T [head_dim, closed tokens] in M-ANT, one group per channel per window; nil before a window closes.
    public var closedValues: QuantizedTensor?
    /// The open window: INT8 per token and the tokens' FP16 scale codes.
    public var openIntegers: [[Int8]]
    public var openScaleCodes: [UInt16]
    public var totalCycles: UInt64
    public var engineCycles: UInt64
    public var lastTokenCycles: UInt64
    public var counters: [String: UInt64]
}

extension RTLModel {
    /// Streams `keys` and `values` ([tokens, head_dim]) through the SystemC KV engine, starting
    /// from an empty cache.
    public func runKVEngine(keys: Tensor, values: Tensor, config: KVEngineConfig) throws -> KVEngineResult {
        guard keys.shape.count == 2, keys.shape == values.shape else {
            throw RTLError(kind: .invalidArgument, message: "kv: keys and values must both be [tokens, head_dim], got \(keys.shape) and \(values.shape)")
        }
        guard keys.shape[1] == config.headDimension else {
            throw RTLError(kind: .invalidArgument, message: "kv: vectors have \(keys.shape[1]) channels, the engine's head dimension is \(config.headDimension)")
        }
        let (tokens, d) = (keys.shape[0], config.headDimension)
        let groups = config.keyGroup > 0 ? d / config.keyGroup : 0
        let window = max(config.window, 1)
        let closed = tokens / window * window, open = tokens - closed
        let pinned = PinnedBuffers()
        let (keyCount, keyGroups) = (tokens * d, tokens * groups)
        let (valueCount, valueGroups, openCount) = (closed * d, closed / window * d, open * d)
        var result = mantsim_kv_result()
        var cConfig = config.cConfig
        var job = mantsim_kv_job()
        job.tokens = UInt32(tokens)
        job.keys = UnsafePointer(pinned.pin(keys.values))
        job.values = UnsafePointer(pinned.pin(values.values))
        job.key_codes = pinned.output(UInt16.self, count: keyCount)
        job.key_scales = pinned.output(UInt16.self, count: keyGroups)
        job.key_selectors = pinned.output(UInt8.self, count: keyGroups)
        job.value_codes = pinned.output(UInt16.self, count: valueCount)
        job.value_scales = pinned.output(UInt16.self, count: valueGroups)
        job.value_selectors = pinned.output(UInt8.self, count: valueGroups)
        job.open_values = pinned.output(Int8.self, count: openCount)
        job.open_scales = pinned.output(UInt16.self, count: open)
        // The M-ANT grids' coefficients, as the format defines them (the engine keeps no copy).
        let coefficients = MANTFormat.coefficients.map { UInt16($0) }
        job.mant_coefficients = UnsafePointer(pinned.pin(coefficients))
        job.mant_coefficient_count = UInt32(coefficients.count)
        let status = mantsim_rtl_run_kv(handle, &cConfig, &job, &result)
        let keyCodes = job.key_codes.array(keyCount), keyScales = job.key_scales.array(keyGroups)
        let keySelectors = job.key_selectors.array(keyGroups)
        let valueCodes = job.value_codes.array(valueCount), valueScales = job.value_scales.array(valueGroups)
        let valueSelectors = job.value_selectors.array(valueGroups)
        let openValues = job.open_values.array(openCount), openScales = job.open_scales.array(open)
        try check(status)
        let mant = { (group: Int) in FormatDescriptor(kind: .mant, bits: 4, granularity: .group(group)) }
        func fields(_ codes: [UInt16], _ scales: [UInt16], _ selectors: [UInt8], codeCount: Int, groupCount: Int) -> (BitField, [BitField]) {
            (BitField(name: "codes", bitWidth: 4, values: codes.prefix(codeCount).map(UInt32.init)),
             [BitField(name: "scale", bitWidth: 16, values: scales.prefix(groupCount).map(UInt32.init)),
              BitField(name: "selector", bitWidth: MANTFormat.selectorBits, values: selectors.prefix(groupCount).map(UInt32.init))])
        }
        let (kc, km) = fields(keyCodes, keyScales, keySelectors, codeCount: tokens * d, groupCount: tokens * groups)
        var closedValues: QuantizedTensor?
        if closed > 0 {
            let (vc, vm) = fields(valueCodes, valueScales, valueSelectors, codeCount: closed * d, groupCount: closed / window * d)
            closedValues = QuantizedTensor(format: mant(window), shape: [d, closed], codes: vc, metadata: vm)
        }
        // On a part's channels the engine's writes are counted as commands, but not the channels'
        // standby time: the engine works beside the array, whose run charges the channels' time.
        var counters = try jobCounters()
        counters["dram.active_standby_cycles"] = nil
        counters["dram.precharged_standby_cycles"] = nil
        return KVEngineResult(keys: QuantizedTensor(format: mant(config.keyGroup), shape: [tokens, d], codes: kc, metadata: km),
                              closedValues: closedValues,
                              openIntegers: (0..<open).map { Array(openValues[($0 * d)..<(($0 + 1) * d)]) },
                              openScaleCodes: Array(openScales.prefix(open)),
                              totalCycles: result.total_cycles, engineCycles: result.engine_cycles,
                              lastTokenCycles: result.last_token_cycles, counters: counters)
    }
}
