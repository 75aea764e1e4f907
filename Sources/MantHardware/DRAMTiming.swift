internal import CMantSimRTL

/// DRAM channels of a named standard, with a row buffer per bank (the rules: mantsim_rtl.h,
/// mantsim_dram_timing). An architecture's `dram: {technology: hbm2, channels: 2}` replaces the
/// ideal interface (bits_per_cycle, latency_cycles) with these.
///
/// | standard | tCK | CL-tRCD-tRP (tCK) | BL | bus | banks | row | channel peak | source |
/// |----------|-----|-------------------|----|-----|-------|-----|--------------|--------|
/// | ddr4 (DDR4-3200) | 0.625 ns | 22-22-22 | 8 | 64 bits | 16 | 8 KiB | 25.6 GB/s | JESD79-4 speed bin DDR4-3200AA; DRAMsim3 configs/DDR4_8Gb_x8_3200.ini (eight x8 devices, 1 KiB pages) |
/// | lpddr4 (LPDDR4-3200) | 0.625 ns | 28-29-29 | 16 | 16 bits | 8 | 2 KiB | 6.4 GB/s | JESD209-4: RL 28 at 3200 MT/s (DBI off), tRCD = tRPpb = 18 ns, x16 channel, 2 KiB page |
/// | hbm2 | 1 ns | 14-14-14 | 4 | 128 bits | 16 | 1 KiB | 32 GB/s | JESD235 (2 Gb/s per pin); DRAMsim3 configs/HBM2_8Gb_x128.ini |
///
/// Not modelled: refresh, tRAS, tRRD/tFAW, bank groups' tCCD_L, read-write turnaround, and
/// reordering in the controller (requests are served in the order they arrive). The energy of a
/// run on these channels comes from its commands and each part's currents (`Configs/dram/*.yaml`,
/// MantConfig's DRAMPower); refresh energy is charged there though refresh takes no time here.
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

    /// The standards by the energy table's technology names.
    public static let standards: [String: DRAMTiming] = [
        "ddr4": DRAMTiming(standard: "DDR4-3200", channels: 1, banks: 16, busBits: 64, burstLength: 8, rowBytes: 8192, tckPicoseconds: 625, cl: 22, trcd: 22, trp: 22),
        "lpddr4": DRAMTiming(standard: "LPDDR4-3200", channels: 1, banks: 8, busBits: 16, burstLength: 16, rowBytes: 2048, tckPicoseconds: 625, cl: 28, trcd: 29, trp: 29),
        "hbm2": DRAMTiming(standard: "HBM2", channels: 1, banks: 16, busBits: 128, burstLength: 4, rowBytes: 1024, tckPicoseconds: 1000, cl: 14, trcd: 14, trp: 14),
    ]

    /// `channels` channels of the technology named (ddr4, lpddr4, hbm2), or nil for another name.
    public init?(technology: String, channels: Int) {
        guard var timing = DRAMTiming.standards[technology] else { return nil }
        timing.channels = channels
        self = timing
    }

    init(standard: String, channels: Int, banks: Int, busBits: Int, burstLength: Int, rowBytes: Int, tckPicoseconds: Int, cl: Int, trcd: Int, trp: Int) {
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
        var timing = cTiming(clockMHz: 1000)
        var finish = [UInt64](repeating: 0, count: transfers.count)
        let status = finish.withUnsafeMutableBufferPointer { out in
            mantsim_dram_timing_run(&timing, transfers.map(\.address), transfers.map(\.bytes), transfers.count, out.baseAddress)
        }
        guard status == Int32(MANTSIM_OK) else { throw RTLModel.error(status: status, message: mantsim_rtl_last_error(nil)) }
        return finish
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
        guard status == Int32(MANTSIM_OK) else { throw RTLModel.error(status: status, message: mantsim_rtl_last_error(nil)) }
        return Commands(finishPicoseconds: finish, activates: activity.activates, precharges: activity.precharges,
                        readBursts: activity.read_bursts, writeBursts: activity.write_bursts,
                        activeStandbyPicoseconds: activity.active_standby_ps, prechargedStandbyPicoseconds: activity.precharged_standby_ps)
    }
}
