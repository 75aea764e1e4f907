internal import CMantSimRTL

/// A failure reported by the SystemC model, with the model's own message.
public struct RTLError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable { case invalidArgument, systemC, internalFailure }
    public let kind: Kind
    public let message: String
    public var description: String { "RTL model: \(message)" }
}

/// Owner of one handle on the process-wide SystemC model. SystemC elaborates once per process,
/// so every `RTLModel` drives the same module tree; creating one resets it.
public final class RTLModel {
    private let handle: OpaquePointer

    public static let defaultClockPeriodPicoseconds: UInt64 = mantsim_rtl_config_default().clock_period_ps

    public init(clockPeriodPicoseconds: UInt64 = RTLModel.defaultClockPeriodPicoseconds) throws {
        var config = mantsim_rtl_config_default()
        config.clock_period_ps = clockPeriodPicoseconds
        var created: OpaquePointer?
        let status = mantsim_rtl_create(&config, &created)
        guard status == Int32(MANTSIM_OK), let created else {
            throw RTLModel.error(status: status, message: mantsim_rtl_last_error(nil))
        }
        handle = created
    }

    deinit { mantsim_rtl_free(handle) }

    /// Advances simulated time by whole clock cycles.
    public func run(cycles: UInt64) throws {
        try check(mantsim_rtl_run_cycles(handle, cycles))
    }

    /// The value of a counter since the last reset, by its exported name.
    public func counter(named name: String) throws -> UInt64 {
        guard let index = RTLModel.counterNames.firstIndex(of: name) else {
            throw RTLError(kind: .invalidArgument,
                           message: "unknown counter '\(name)'; known: \(RTLModel.counterNames.joined(separator: ", "))")
        }
        var value: UInt64 = 0
        try check(mantsim_rtl_read_counter(handle, Int32(index), &value))
        return value
    }

    /// Every counter name, in the model's enum order.
    public static let counterNames: [String] = (0..<Int32(MANTSIM_COUNTER_COUNT.rawValue)).map {
        String(cString: mantsim_rtl_counter_name($0))
    }

    /// Makes the kernel raise an error report; used to prove reports arrive as Swift errors.
    public func raiseTestReport() throws {
        try check(mantsim_rtl_raise_test_report(handle))
    }

    private func check(_ status: Int32) throws {
        guard status == Int32(MANTSIM_OK) else {
            throw RTLModel.error(status: status, message: mantsim_rtl_last_error(handle))
        }
    }

    private static func error(status: Int32, message: UnsafePointer<CChar>?) -> RTLError {
        let text = message.map { String(cString: $0) } ?? "no message"
        switch status {
        case Int32(MANTSIM_E_INVALID_ARGUMENT): return RTLError(kind: .invalidArgument, message: text)
        case Int32(MANTSIM_E_SYSTEMC): return RTLError(kind: .systemC, message: text)
        default: return RTLError(kind: .internalFailure, message: text)
        }
    }
}
