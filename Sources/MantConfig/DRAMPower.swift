import Foundation
import MantHardware

/// A DRAM part's currents (`Configs/dram/*.yaml`), and the energy of a run on its channels from the
/// commands the bank model issued and the time it took, as DRAMPower and DRAMsim3 compute it. Per
/// device and supply (currents in mA, times in ns, so mA x V x ns = pJ):
///
/// - activation, with its precharge: VDD (IDD0 tRC - (IDD3N tRAS + IDD2N (tRC - tRAS))), tRC = tRAS + tRP;
/// - read burst: VDD (IDD4R - IDD3N) tBURST, tBURST = BL / 2 tCK; write burst: the same with IDD4W;
/// - refresh, over any time t: VDD (IDD5 - IDD3N) tRFC x t / tREFI;
/// - background: VDD IDD3N over the time a channel has a row open (active standby), VDD IDD2N over
///   the time every bank is closed (precharged standby).
///
/// Summed over the channel's devices and supplies. Not counted: the I/O drivers and termination,
/// power-down and self-refresh states (the channels never enter them), and the time refresh takes
/// from the banks (the timing model does not refresh).
public struct DRAMPower: Equatable, Sendable {
    public struct Supply: Equatable, Sendable {
        public var name: String
        public var volts: Double
        public var idd0, idd2n, idd3n, idd4r, idd4w, idd5: Double
        public var source: String
    }

    public var path: String
    public var standard: String
    public var devicesPerChannel: Int
    /// In tCK of the standard's clock.
    public var tras: Int, trfc: Int, trefi: Int
    public var supplies: [Supply]

    /// Energy of one command or power of one state for one channel, from the timing's clock, tRP and burst length.
    public struct Rates: Equatable, Sendable {
        /// pJ per activation (with its precharge), per read burst, per write burst.
        public var activate, readBurst, writeBurst: Double
        /// mW (pJ per ns) per channel: refresh averaged over time; active and precharged standby.
        public var refresh, activeStandby, prechargedStandby: Double
    }

    public func rates(_ timing: DRAMTiming) -> Rates {
        let tck = Double(timing.tckPicoseconds) / 1000
        let (tras, trp) = (Double(self.tras) * tck, Double(timing.trp) * tck)
        let trc = tras + trp
        let burst = Double(timing.burstLength / 2) * tck
        let (trfc, trefi) = (Double(self.trfc) * tck, Double(self.trefi) * tck)
        var rates = Rates(activate: 0, readBurst: 0, writeBurst: 0, refresh: 0, activeStandby: 0, prechargedStandby: 0)
        let devices = Double(devicesPerChannel)
        for s in supplies {
            rates.activate += devices * s.volts * (s.idd0 * trc - (s.idd3n * tras + s.idd2n * (trc - tras)))
            rates.readBurst += devices * s.volts * (s.idd4r - s.idd3n) * burst
            rates.writeBurst += devices * s.volts * (s.idd4w - s.idd3n) * burst
            rates.refresh += devices * s.volts * (s.idd5 - s.idd3n) * trfc / trefi
            rates.activeStandby += devices * s.volts * s.idd3n
            rates.prechargedStandby += devices * s.volts * s.idd2n
        }
        return rates
    }

    /// What a run did on the channels: commands, and channel-nanoseconds in each standby state.
    public struct Activity: Equatable, Sendable {
        public var activates: Double = 0
        public var readBursts: Double = 0
        public var writeBursts: Double = 0
        public var activeStandbyNanoseconds: Double = 0
        public var prechargedStandbyNanoseconds: Double = 0
        public init() {}
    }

    /// What the bank model's commands for a run of transfers (`DRAMTiming.commands`) did.
    public static func activity(_ commands: DRAMTiming.Commands) -> Activity {
        var activity = Activity()
        activity.activates = Double(commands.activates)
        activity.readBursts = Double(commands.readBursts)
        activity.writeBursts = Double(commands.writeBursts)
        activity.activeStandbyNanoseconds = Double(commands.activeStandbyPicoseconds) / 1000
        activity.prechargedStandbyNanoseconds = Double(commands.prechargedStandbyPicoseconds) / 1000
        return activity
    }

    /// The energy components in pJ: activate, read/write, refresh (over every channel's standby
    /// time) and background.
    public func energy(_ activity: Activity, timing: DRAMTiming) -> [String: Double] {
        let r = rates(timing)
        let time = activity.activeStandbyNanoseconds + activity.prechargedStandbyNanoseconds
        return [DRAMPower.activate: activity.activates * r.activate,
                DRAMPower.readWrite: activity.readBursts * r.readBurst + activity.writeBursts * r.writeBurst,
                DRAMPower.refresh: time * r.refresh,
                DRAMPower.background: activity.activeStandbyNanoseconds * r.activeStandby + activity.prechargedStandbyNanoseconds * r.prechargedStandby]
    }

    /// Energy components of a run's DRAM, in the breakdown's names.
    public static let activate = "dram_activate", readWrite = "dram_rw", refresh = "dram_refresh", background = "dram_background"
    public static let components = [activate, readWrite, refresh, background]

    /// The activity a job's counters record, over `cycles` of an accelerator clocked at the
    /// timing's clock. A job whose traffic did not go through the bank model (the vector unit's,
    /// the KV engine's) has bits and no bursts: its bits count as whole bursts and its time as
    /// active standby on every channel (rows stay open between jobs), with no activations.
    public static func activity(counters: [String: UInt64], cycles: UInt64, timing: DRAMTiming) -> Activity {
        var activity = Activity()
        let nanosecondsPerCycle = 1000 / timing.clockMHz
        let reads = counters["dram.read_bursts"] ?? 0, writes = counters["dram.write_bursts"] ?? 0
        let standby = (counters["dram.active_standby_cycles"] ?? 0) + (counters["dram.precharged_standby_cycles"] ?? 0)
        if reads + writes + standby > 0 {
            activity.activates = Double(counters["dram.activates"] ?? 0)
            activity.readBursts = Double(reads)
            activity.writeBursts = Double(writes)
            activity.activeStandbyNanoseconds = Double(counters["dram.active_standby_cycles"] ?? 0) * nanosecondsPerCycle
            activity.prechargedStandbyNanoseconds = Double(counters["dram.precharged_standby_cycles"] ?? 0) * nanosecondsPerCycle
        } else {
            let burstBits = UInt64(timing.burstBytes * 8)
            activity.readBursts = Double(((counters["dram.read_bits"] ?? 0) + burstBits - 1) / burstBits)
            activity.writeBursts = Double(((counters["dram.write_bits"] ?? 0) + burstBits - 1) / burstBits)
            activity.activeStandbyNanoseconds = Double(cycles) * Double(timing.channels) * nanosecondsPerCycle
        }
        return activity
    }

    /// The currents of the part file at `path` (its timing too is read and checked).
    public static func load(path: String) throws -> DRAMPower { try DRAMPart.load(path: path).power }
}

/// One DRAM part (`Configs/dram/<technology>.yaml`): one channel's timing for the bank model and
/// the currents that price it, each figure with its source.
public struct DRAMPart: Equatable, Sendable {
    public var path: String
    /// One channel; `DRAMParts.timing` sets the channel count and clock.
    public var timing: DRAMTiming
    public var power: DRAMPower

    public static func load(path: String) throws -> DRAMPart {
        var reader = ConfigReader(path: path)
        let top = try reader.topMapping(try ConfigReader.text(of: path))
        reader.allow(top, keys: ["standard", "timing", "devices_per_channel", "tras", "trfc", "trefi", "supplies"], at: "")
        let standard = reader.string(top, "standard", at: "") ?? ""
        var timing: DRAMTiming?
        if let mapping = reader.mapping(top["timing"], at: "timing") {
            let keys = ["banks", "bus_bits", "burst_length", "row_bytes", "tck_ps", "cl", "trcd", "trp"]
            reader.allow(mapping, keys: keys + ["source"], at: "timing")
            if let source = reader.string(mapping, "source", at: "timing"), source.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.problem("timing.source: empty; every number needs its source")
            }
            // The ranges the SystemC model accepts (check_dram_timing), so that a bad part is named here.
            let ranges: [String: ClosedRange<Int>] = ["banks": 1...256, "bus_bits": 8...4096, "burst_length": 2...64, "row_bytes": 1...(1 << 24),
                                                      "tck_ps": 1...100_000, "cl": 0...1000, "trcd": 0...1000, "trp": 0...1000]
            let v = keys.map { reader.integer(mapping, $0, at: "timing", range: ranges[$0]!) }
            if v.allSatisfy({ $0 != nil }) {
                let (banks, bus, burst, row, tck, cl, trcd, trp) = (v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!, v[7]!)
                if bus % 8 != 0 { reader.problem("timing.bus_bits: \(bus) is not a whole number of bytes") }
                if burst % 2 != 0 { reader.problem("timing.burst_length: \(burst) is odd (data moves on both clock edges)") }
                if row % max(1, bus / 8 * burst) != 0 { reader.problem("timing.row_bytes: \(row) is not a whole number of bursts (\(bus / 8 * burst) bytes)") }
                timing = DRAMTiming(standard: standard, channels: 1, banks: banks, busBits: bus, burstLength: burst, rowBytes: row,
                                    tckPicoseconds: tck, cl: cl, trcd: trcd, trp: trp)
            }
        }
        func sourced(_ key: String, range: ClosedRange<Int>) -> Int? {
            guard let mapping = reader.mapping(top[key], at: key) else { return nil }
            reader.allow(mapping, keys: ["value", "source"], at: key)
            let source = reader.string(mapping, "source", at: key)
            if let source, source.trimmingCharacters(in: .whitespaces).isEmpty { reader.problem("\(key).source: empty; every number needs its source") }
            return reader.integer(mapping, "value", at: key, range: range)
        }
        let devices = sourced("devices_per_channel", range: 1...64)
        let tras = sourced("tras", range: 1...100_000), trfc = sourced("trfc", range: 1...100_000), trefi = sourced("trefi", range: 1...10_000_000)
        var supplies = [DRAMPower.Supply]()
        if let list = top["supplies"] as? [Any], !list.isEmpty {
            for (index, item) in list.enumerated() {
                let field = "supplies[\(index)]"
                guard let mapping = reader.mapping(item, at: field) else { continue }
                let currents = ["idd0", "idd2n", "idd3n", "idd4r", "idd4w", "idd5"]
                reader.allow(mapping, keys: ["name", "volts", "source"] + currents, at: field)
                let name = reader.string(mapping, "name", at: field), source = reader.string(mapping, "source", at: field)
                let volts = reader.number(mapping, "volts", at: field, positive: true, range: 0.1...5)
                let values = currents.map { reader.number(mapping, $0, at: field, positive: true, range: 0.01...100_000) }
                guard let name, let source, let volts, values.allSatisfy({ $0 != nil }) else { continue }
                let v = values.map { $0! }
                // The equations subtract the standby currents: a part whose operating currents are below them is misread.
                if v[0] < v[2] || v[3] < v[2] || v[4] < v[2] || v[5] < v[2] {
                    reader.problem("\(field): idd0, idd4r, idd4w and idd5 must each be at least idd3n (\(v[2]) mA)")
                }
                supplies.append(DRAMPower.Supply(name: name, volts: volts, idd0: v[0], idd2n: v[1], idd3n: v[2], idd4r: v[3], idd4w: v[4], idd5: v[5], source: source))
            }
        } else {
            reader.problem("supplies: missing (expected a list of supplies, each with name, volts, idd0, idd2n, idd3n, idd4r, idd4w, idd5 and source)")
        }
        if let trfc, let trefi, trfc >= trefi { reader.problem("trfc: \(trfc) tCK is not shorter than trefi (\(trefi) tCK)") }
        try reader.finish()
        let power = DRAMPower(path: path, standard: standard, devicesPerChannel: devices!, tras: tras!, trfc: trfc!, trefi: trefi!, supplies: supplies)
        return DRAMPart(path: path, timing: timing!, power: power)
    }
}

/// The DRAM parts MantSim knows: one file per technology in `Configs/dram`, found as bundled
/// configs are (the working directory, the folders above the executable, then this source tree),
/// read once per process.
public enum DRAMParts {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded = [String: DRAMPart]()

    /// The folder the parts are read from, or nil when none is found.
    public static var folder: String? {
        ConfigFolders.roots.map { $0.appendingPathComponent("Configs/dram").path }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The technologies there is a part for: ddr4, hbm2, lpddr4, ...
    public static var names: [String] {
        guard let folder, let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The part of `technology`, or an error naming the folder and the parts there are.
    public static func part(_ technology: String) throws -> DRAMPart {
        guard let folder else { throw ConfigError(path: "Configs/dram", problems: ["folder: not found beside the working directory or the executable"]) }
        guard !technology.isEmpty, technology.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), names.contains(technology) else {
            throw ConfigError(path: folder, problems: ["\(technology): no such DRAM part (there are \(names.joined(separator: ", ")))"])
        }
        let path = "\(folder)/\(technology).yaml"
        lock.lock()
        defer { lock.unlock() }
        if let part = loaded[path] { return part }
        let part = try DRAMPart.load(path: path)
        loaded[path] = part
        return part
    }

    /// `channels` channels of the part of `technology`, for an accelerator clocked at `clockMHz`.
    public static func timing(_ technology: String, channels: Int, clockMHz: Double = 500) throws -> DRAMTiming {
        var timing = try part(technology).timing
        timing.channels = channels
        timing.clockMHz = clockMHz
        return timing
    }
}

extension DRAMTiming {
    /// `channels` channels of the part of `technology` (Configs/dram), or nil when there is none or it does not load.
    public init?(technology: String, channels: Int) {
        guard let timing = try? DRAMParts.timing(technology, channels: channels) else { return nil }
        self = timing
    }
}