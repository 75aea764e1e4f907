/// What a run's counters say about the array's use, defined once for every report: the counters
/// named `pe.mac_*` (each PE kind's MAC counter, `mantsim_pe_kind`) count one multiply-accumulate
/// each, and utilization is MACs over PE-cycles.
public enum ArrayActivity {
    /// Multiply-accumulates among `counters`.
    public static func macs(_ counters: [String: UInt64]) -> UInt64 {
        counters.filter { $0.key.hasPrefix("pe.mac_") }.values.reduce(0, +)
    }

    /// MACs over the PE-cycles `processingElements` PEs had in `cycles` (a run of no cycles counts as one).
    public static func utilization(macs: UInt64, processingElements: Int, cycles: UInt64) -> Double {
        Double(macs) / (Double(max(processingElements, 1)) * Double(max(cycles, 1)))
    }
}
