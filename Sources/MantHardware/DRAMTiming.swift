internal import CMantSimRTL

/// DRAM channels of one part, with a row buffer per bank (the rules: RTLModels/README.md,
/// mantsim_dram_timing). An architecture's `dram: {technology: hbm2, channels: 2}` replaces the
/// ideal interface (bits_per_cycle, latency_cycles) with these. The parts, their timing and their
/// currents, each with its source, are files: `Configs/dram/<technology>.yaml`, which MantConfig's
/// `DRAMParts` reads.
///
/// Not modelled: refresh, tRAS, tRRD/tFAW, bank groups' tCCD_L, read-write turnaround, and
/// reordering in the controller (requests are served in the order they arrive). The energy of a
/// run on these channels comes from its commands and the part's currents (MantConfig's
/// DRAMPower); refresh energy is charged there though refresh takes no time here.
public struct DRAMTiming: Equatable, Sendable {
    public var standard: String
    public var channels: Int
    public var banks: Int
    public var busBits: Int
    public var burstLength: Int
    public var rowBytes: Int
    public var tckPicoseconds: Int
    public var cl: Int
    public var trcd: Int
    public var trp: Int
    /// The accelerator's clock, which the model's cycles count (ArchitectureConfig sets it).
    public var clockMHz: Double = 500

    public init(standard: String, channels: Int, banks: Int, busBits: Int, burstLength: Int, rowBytes: Int, tckPicoseconds: Int, cl: Int, trcd: Int, trp: Int) {
        (self.standard, self.channels, self.banks, self.busBits, self.burstLength) = (standard, channels, banks, busBits, burstLength)
        (self.rowBytes, self.tckPicoseconds, self.cl, self.trcd, self.trp) = (rowBytes, tckPicoseconds, cl, trcd, trp)
    }

    /// Bytes per burst and the bus time one takes (data on both clock edges).
    public var burstBytes: Int { busBits / 8 * burstLength }
    public var burstPicoseconds: Int { burstLength / 2 * tckPicoseconds }
    /// Every channel's bus busy: bytes per nanosecond (GB/s).
    public var peakBytesPerNanosecond: Double { Double(channels * burstBytes) * 1000 / Double(burstPicoseconds) }
    /// The peak in bits per cycle of an accelerator clocked at `clockMHz`.
    public func peakBitsPerCycle(clockMHz: Double) -> Double { peakBytesPerNanosecond * 8 * 1000 / clockMHz }

    func cTiming(clockMHz: Double? = nil) -> mantsim_dram_timing {
        let clockMHz = clockMHz ?? self.clockMHz
        return mantsim_dram_timing(channels: UInt32(clamping: channels), banks: UInt32(clamping: banks), bus_bits: UInt32(clamping: busBits),
                            burst_length: UInt32(clamping: burstLength), row_bytes: UInt32(clamping: rowBytes),
                            tck_ps: UInt32(clamping: tckPicoseconds), cl: UInt32(clamping: cl), trcd: UInt32(clamping: trcd),
                            trp: UInt32(clamping: trp), cycle_ps: UInt32(clamping: Int((1e6 / clockMHz).rounded())))
    }

    /// When each transfer (byte address, bytes), all queued at time 0 in this order, finishes on
    /// these channels, in picoseconds: the model's DRAM timing alone.
    public func finishTimes(_ transfers: [(address: UInt64, bytes: UInt64)]) throws -> [UInt64] {
        try commands(transfers.map { ($0.address, $0.bytes, false) }).finishPicoseconds
    }

    /// The commands the bank model issues for these transfers (all queued at time 0, in order),
    /// and its channels' standby time from 0 to `endPicoseconds` (0: the last transfer's finish).
    public struct Commands: Equatable, Sendable {
        public var finishPicoseconds: [UInt64]
        public var activates, precharges, readBursts, writeBursts: UInt64
        /// Summed over channels.
        public var activeStandbyPicoseconds, prechargedStandbyPicoseconds: UInt64
    }

    public func commands(_ transfers: [(address: UInt64, bytes: UInt64, write: Bool)], endPicoseconds: UInt64 = 0) throws -> Commands {
        var timing = cTiming(clockMHz: 1000)
        var finish = [UInt64](repeating: 0, count: transfers.count)
        var activity = mantsim_dram_activity()
        let status = finish.withUnsafeMutableBufferPointer { out in
            mantsim_dram_timing_activity(&timing, transfers.map(\.address), transfers.map(\.bytes), transfers.map { $0.write ? 1 : 0 },
                                         transfers.count, endPicoseconds, out.baseAddress, &activity)
        }
        guard status == MANTSIM_OK else { throw RTLModel.error(status: status, message: mantsim_rtl_last_error(nil)) }
        return Commands(finishPicoseconds: finish, activates: activity.activates, precharges: activity.precharges,
                        readBursts: activity.read_bursts, writeBursts: activity.write_bursts,
                        activeStandbyPicoseconds: activity.active_standby_ps, prechargedStandbyPicoseconds: activity.precharged_standby_ps)
    }
}
