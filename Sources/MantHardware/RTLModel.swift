internal import CMantSimRTL
import Foundation

/// A failure reported by the SystemC model, with the model's own message.
public struct RTLError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable { case invalidArgument, systemC, internalFailure, busy }
    public let kind: Kind
    public let message: String
    public var description: String { "RTL model: \(message)" }

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// The owner of the process-wide SystemC model. SystemC elaborates once per process, so the model
/// has one live handle, `RTLModel.shared()`; `reset()` gives it a fresh state.
public final class RTLModel {
    let handle: OpaquePointer

    public static let defaultClockPeriodPicoseconds: UInt64 = mantsim_rtl_config_default().clock_period_ps

    /// The one handle; a second while it lives is refused by the model (RTLError.Kind.busy).
    init(clockPeriodPicoseconds: UInt64 = RTLModel.defaultClockPeriodPicoseconds) throws {
        var config = mantsim_rtl_config_default()
        config.clock_period_ps = clockPeriodPicoseconds
        var created: OpaquePointer?
        let status = mantsim_rtl_create(&config, &created)
        guard status == MANTSIM_OK, let created else {
            throw RTLModel.error(status: status, message: mantsim_rtl_last_error(nil))
        }
        handle = created
    }

    deinit { mantsim_rtl_free(handle) }

    private static let leaseLock = NSLock()
    private static var lease: RTLModel?

    /// The process's one model, created on first use: every command and study runs on it (a job
    /// resets the array and its counters itself).
    public static func shared() throws -> RTLModel {
        leaseLock.lock()
        defer { leaseLock.unlock() }
        if let lease { return lease }
        let model = try RTLModel()
        lease = model
        return model
    }

    /// The shared model, reset: its heartbeat and counters start from zero.
    public static func fresh() throws -> RTLModel {
        let model = try shared()
        try model.reset()
        return model
    }

    /// Resets the model and its counters.
    public func reset() throws {
        try check(mantsim_rtl_reset(handle))
    }

    /// Advances simulated time by whole clock cycles.
    public func run(cycles: UInt64) throws {
        try check(mantsim_rtl_run_cycles(handle, cycles))
    }

    /// Every counter since the last reset, by its exported name, read in one call.
    public func counters() throws -> [String: UInt64] {
        var values = [UInt64](repeating: 0, count: RTLModel.counterNames.count)
        try check(values.withUnsafeMutableBufferPointer { mantsim_rtl_read_counters(handle, $0.baseAddress, $0.count) })
        return Dictionary(uniqueKeysWithValues: zip(RTLModel.counterNames, values))
    }

    /// The value of a counter since the last reset, by its exported name.
    public func counter(named name: String) throws -> UInt64 {
        guard let value = try counters()[name] else {
            throw RTLError(kind: .invalidArgument,
                           message: "unknown counter '\(name)'; known: \(RTLModel.counterNames.joined(separator: ", "))")
        }
        return value
    }

    /// The counters of one job: every counter but the heartbeat's, which counts kernel time.
    func jobCounters() throws -> [String: UInt64] {
        try counters().filter { !$0.key.hasPrefix("heartbeat.") }
    }

    /// Every counter name, in the model's enum order.
    public static let counterNames: [String] = (0..<MANTSIM_COUNTER_COUNT.rawValue).map {
        String(cString: mantsim_rtl_counter_name(mantsim_counter(rawValue: $0)))
    }

    /// Has the kernel raise an error report and returns its message as the caller received it:
    /// the proof that SystemC errors come back as errors, not aborts.
    public func checkReports() throws -> String {
        try check(mantsim_rtl_check_reports(handle))
        return String(cString: mantsim_rtl_last_error(handle))
    }

    func check(_ status: mantsim_status) throws {
        guard status == MANTSIM_OK else {
            throw RTLModel.error(status: status, message: mantsim_rtl_last_error(handle))
        }
    }

    static func error(status: mantsim_status, message: UnsafePointer<CChar>?) -> RTLError {
        let text = message.map { String(cString: $0) } ?? "no message"
        switch status {
        case MANTSIM_E_INVALID_ARGUMENT: return RTLError(kind: .invalidArgument, message: text)
        case MANTSIM_E_SYSTEMC: return RTLError(kind: .systemC, message: text)
        case MANTSIM_E_BUSY: return RTLError(kind: .busy, message: text)
        default: return RTLError(kind: .internalFailure, message: text)
        }
    }
}

/// How much of the array a job steps: every tile (`cycle`), or the first tile of each distinct
/// shape with the rest replayed while DMA and buffers stay cycle-exact (`fast`; no outputs).
public enum Fidelity: String, CaseIterable, Sendable, Codable {
    case cycle, fast

    var code: mantsim_fidelity { self == .cycle ? MANTSIM_FIDELITY_CYCLE : MANTSIM_FIDELITY_FAST }
}

/// What one GEMM on the array produced: the outputs, the cycles and every counter.
public struct GemmResult: Sendable {
    /// Empty for fast-fidelity jobs.
    public var output: [Float]
    public var totalCycles: UInt64
    public var computeCycles: UInt64
    public var stallCycles: UInt64
    public var counters: [String: UInt64]
    /// The mapping the array ran (nil for results not from one array job).
    public var mapping: GemmMapping?

    public init(output: [Float], totalCycles: UInt64, computeCycles: UInt64, stallCycles: UInt64, counters: [String: UInt64],
                mapping: GemmMapping? = nil) {
        self.output = output
        self.totalCycles = totalCycles
        self.computeCycles = computeCycles
        self.stallCycles = stallCycles
        self.counters = counters
        self.mapping = mapping
    }
}

/// How a GEMM was laid onto the array: tokens per M tile, output channels per block of partial
/// sums, K per activation load (all of K: every row at once), whether the weights stayed in the
/// WBUF, and the DRAM bits any mapping must move (every weight, activation and output once).
public struct GemmMapping: Sendable, Codable, Equatable {
    public var mTile: Int
    public var nBlockColumns: Int
    public var kChunk: Int
    public var weightsResident: Bool
    public var compulsoryDRAMBits: UInt64
}

extension RTLModel {
    /// Runs one GEMM on an array built from `config`; the counters are this job's alone.
    /// With `trace`, the job is also recorded as a VCD file (controller, buffer and DRAM ports, one
    /// PE row), written only if the job completes.
    public func run(_ operands: GemmOperands, on config: ArrayConfig, dataflow: Dataflow, fidelity: Fidelity = .cycle,
                    trace: (path: String, peRow: Int)? = nil) throws -> GemmResult {
        if let split = DigitPasses(operands, on: config) {
            let results = try split.operands(operands).enumerated().map { pass, plane in
                try run(plane, on: config, dataflow: dataflow, fidelity: fidelity, trace: pass == 0 ? trace : nil)
            }
            return DigitPasses.combine(results, outputs: operands.m * operands.n)
        }
        guard config.peType.takes(operands.peType) else {
            throw RTLError(kind: .invalidArgument,
                           message: "array.pe_type: a \(config.peType.rawValue) array cannot run \(operands.weights.format.name) weights")
        }
        if let trace {
            try check(mantsim_rtl_set_trace(handle, trace.path, UInt32(clamping: trace.peRow)))
        }
        var result = mantsim_gemm_result()
        var arrayConfig = config.cConfig
        let handle = self.handle
        let (status, output) = operands.withCJob(dataflow: dataflow, outputs: fidelity == .cycle) { job in
            job.fidelity = fidelity.code
            return mantsim_rtl_run_gemm(handle, &arrayConfig, &job, &result)
        }
        try check(status)
        let counters = try jobCounters()
        let mapping = GemmMapping(result)
        return GemmResult(output: fidelity == .cycle ? output : [], totalCycles: result.total_cycles, computeCycles: result.compute_cycles,
                          stallCycles: result.stall_cycles, counters: counters, mapping: mapping)
    }
}

extension RTLModel {
    /// The mapping `run` would give the GEMM, from the same checks and mapper, without running it.
    public func plan(_ operands: GemmOperands, on config: ArrayConfig, dataflow: Dataflow) throws -> GemmMapping {
        // Every digit pass maps as the first does: same shape, same code width.
        if let split = DigitPasses(operands, on: config) { return try plan(try split.operands(operands)[0], on: config, dataflow: dataflow) }
        guard config.peType.takes(operands.peType) else {
            throw RTLError(kind: .invalidArgument,
                           message: "array.pe_type: a \(config.peType.rawValue) array cannot run \(operands.weights.format.name) weights")
        }
        var result = mantsim_gemm_result()
        var arrayConfig = config.cConfig
        let handle = self.handle
        let (status, _) = operands.withCJob(dataflow: dataflow, outputs: false) { job in
            job.fidelity = Fidelity.fast.code
            return mantsim_rtl_plan_gemm(handle, &arrayConfig, &job, &result)
        }
        try check(status)
        return GemmMapping(result)
    }
}

extension GemmMapping {
    init(_ result: mantsim_gemm_result) {
        self.init(mTile: Int(result.m_tile), nBlockColumns: Int(result.n_block_columns), kChunk: Int(result.k_chunk),
                  weightsResident: result.weights_resident != 0, compulsoryDRAMBits: result.compulsory_dram_bits)
    }
}

extension GemmOperands {
    /// Hands the C model a job whose pointers stay valid for the duration of `body`.
    func withCJob(dataflow: Dataflow, outputs: Bool = true, _ body: (inout mantsim_gemm_job) -> mantsim_status) -> (mantsim_status, [Float]) {
        let pinned = PinnedBuffers()
        let scales = weights.metadata.first { $0.name == "scale" }?.values ?? []
        let selectors = weights.metadata.first { $0.name == "selector" || $0.name == "type" }?.values ?? []
        // The decoder's payload: a LUT array's entries, a VQ array's codebooks, a decode table.
        let payload = decoderPayload
        let table = pinned.pin(payload)
        let output = outputs ? pinned.output(Float.self, count: m * n) : nil
        var job = mantsim_gemm_job_default()
        job.m = UInt32(m)
        job.k = UInt32(k)
        job.n = UInt32(n)
        job.weight_row_period = UInt32(weightRowPeriod)
        job.dataflow = dataflow.code
        job.group_size = UInt32(groupSize)
        job.weight_bits = UInt32(weights.codes.bitWidth)
        job.metadata_bits = UInt32(metadataBits)
        job.activation_bits = UInt32(activationBits)
        job.weight_codes = UnsafePointer(pinned.pin(weights.codes.values, as: UInt16.self))
        job.group_scales = UnsafePointer(pinned.pin(scales, as: UInt16.self))
        job.group_selectors = UnsafePointer(pinned.pin(selectors, as: UInt8.self))
        job.activations = UnsafePointer(pinned.pin(activationIntegers))
        job.activation_scales = UnsafePointer(pinned.pin(activationScaleCodes))
        job.activation_fp16 = UnsafePointer(pinned.pin(activationHalfCodes))
        job.output = output
        job.weights_fp16 = peType == .fp16 ? 1 : 0
        job.decoder_payload = UnsafePointer(table)
        job.decoder_payload_values = UInt32(payload.count)
        if peType == .vq, let vq = weights.format.vq {
            let (scope, size): (mantsim_vq_scope, Int) = switch vq.scope {
            case .tensor: (MANTSIM_VQ_SCOPE_TENSOR, 0)
            case .tile(let size): (MANTSIM_VQ_SCOPE_TILE, size)
            case .channelGroup(let rows): (MANTSIM_VQ_SCOPE_ROWS, rows)
            }
            job.vq = mantsim_vq_layout(vector_length: UInt32(vq.vectorLength), stages: UInt32(vq.stages), scope: scope, scope_size: UInt32(size),
                                       axis: vq.axis == .output ? MANTSIM_VQ_AXIS_OUTPUT : MANTSIM_VQ_AXIS_REDUCTION)
        }
        let status = body(&job)
        return (status, output?.array(m * n) ?? [])
    }
}

/// The same GEMM as a plain C++ loop with no simulation, compiled with the model's flags: the
/// yardstick `make bench` measures the cycle-level model against.
public enum NativeGemm {
    public static func run(_ operands: GemmOperands, on config: ArrayConfig) throws -> [Float] {
        var arrayConfig = config.cConfig
        let (status, output) = operands.withCJob(dataflow: .weightStationary) { job in
            mantsim_native_gemm(&arrayConfig, &job)
        }
        guard status == MANTSIM_OK else {
            throw RTLModel.error(status: status, message: mantsim_rtl_last_error(nil))
        }
        return output
    }
}
