import Foundation
import XCTest
import MantConfig
@testable import MantHardware

/// DRAM energy from the part's currents, against the equations worked by hand with DRAMsim3's
/// DDR4_8Gb_x8_3200 figures (eight x8 devices, VDD 1.2 V; IDD0 57, IDD2N 37, IDD3N 52, IDD4R 168,
/// IDD5 250 mA; tCK 0.625 ns, tRAS 52, tRP 22, tRFC 560, tREFI 12480 tCK, BL 8):
///
/// - activation: 8 x 1.2 x (57 x 46.25 - (52 x 32.5 + 37 x 13.75)) = 4200 pJ;
/// - read burst: 8 x 1.2 x (168 - 52) x 2.5 = 2784 pJ per 64 bytes (5.4375 pJ/bit);
/// - active standby 8 x 1.2 x 52 = 499.2 mW, precharged 8 x 1.2 x 37 = 355.2 mW per channel;
/// - refresh 8 x 1.2 x (250 - 52) x 350 / 7800 = 85.292 mW per channel.
final class DRAMEnergyTests: XCTestCase {
    static let repository = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let ddr4 = try! DRAMPower.load(path: DRAMEnergyTests.repository.appendingPathComponent("Configs/dram/ddr4.yaml").path)
    let refresh = 8 * 1.2 * 198 * 350 / 7800.0

    func testTheRatesAreTheEquations() throws {
        let rates = ddr4.rates(try XCTUnwrap(DRAMTiming(technology: "ddr4", channels: 1)))
        XCTAssertEqual(rates.activate, 4200, accuracy: 1e-9)
        XCTAssertEqual(rates.readBurst, 2784, accuracy: 1e-9)
        XCTAssertEqual(rates.activeStandby, 499.2, accuracy: 1e-9)
        XCTAssertEqual(rates.prechargedStandby, 355.2, accuracy: 1e-9)
        XCTAssertEqual(rates.refresh, refresh, accuracy: 1e-9)
        // LPDDR4: both core supplies. VDD1's read current equals its standby current; VDD2:
        // 1.1 x (275 - 30) x 5 ns = 1347.5 pJ per 32-byte burst.
        let lpddr4 = try DRAMPower.load(path: DRAMEnergyTests.repository.appendingPathComponent("Configs/dram/lpddr4.yaml").path)
        XCTAssertEqual(lpddr4.rates(try XCTUnwrap(DRAMTiming(technology: "lpddr4", channels: 1))).readBurst, 1347.5, accuracy: 1e-9)
    }

    /// A long streaming read: row hits after each row's activation, the bus always busy.
    func testAStreamingReadCostsItsBurstsItsRowsAndItsTime() throws {
        let timing = try XCTUnwrap(DRAMTiming(technology: "ddr4", channels: 1))
        let bytes: UInt64 = 16 << 20
        let commands = try timing.commands([(0, bytes, false)])
        XCTAssertEqual(commands.readBursts, bytes / 64)
        XCTAssertEqual(commands.activates, bytes / 8192, "one activation per 8 KiB row")
        XCTAssertEqual(commands.precharges, bytes / 8192 - 16, "every bank's first row needs none")
        XCTAssertEqual(commands.prechargedStandbyPicoseconds, 0, "the first activation is at 0")
        let time = Double(commands.activeStandbyPicoseconds) / 1000
        XCTAssertEqual(time, Double(44 * 625) / 1000 + Double(bytes / 64) * 2.5, "tRCD + CL, then one burst every 2.5 ns")
        let energy = ddr4.energy(DRAMPower.activity(commands), timing: timing)
        XCTAssertEqual(energy[DRAMPower.activate]!, Double(bytes / 8192) * 4200, accuracy: 1e-6)
        XCTAssertEqual(energy[DRAMPower.readWrite]!, Double(bytes / 64) * 2784, accuracy: 1e-6)
        XCTAssertEqual(energy[DRAMPower.background]!, time * 499.2, accuracy: 1e-6)
        XCTAssertEqual(energy[DRAMPower.refresh]!, time * refresh, accuracy: 1e-6)
        // Per bit at the peak: 5.4375 (burst) + 4200 / 65536 (activation) + (499.2 + 85.292) / 204.8 (time).
        let perBit = energy.values.reduce(0, +) / Double(bytes * 8)
        let expected: Double = 5.4375 + 4200.0 / 65536 + (499.2 + refresh) / 204.8
        XCTAssertEqual(perBit, expected, accuracy: 0.01)
        XCTAssertEqual(perBit, 8.36, accuracy: 0.01)
    }

    /// Reads that each open a new row of one bank: an activation (and precharge) per burst.
    func testRowMissesCostAnActivationEach() throws {
        let timing = try XCTUnwrap(DRAMTiming(technology: "ddr4", channels: 1))
        let stride = UInt64(timing.banks * timing.rowBytes)
        let commands = try timing.commands((0..<100).map { (UInt64($0) * stride, UInt64(64), $0 % 2 == 1) })
        XCTAssertEqual([commands.activates, commands.precharges, commands.readBursts, commands.writeBursts], [100, 99, 50, 50])
        let time = Double(48 * 625 + 99 * 70 * 625) / 1000
        XCTAssertEqual(Double(commands.activeStandbyPicoseconds) / 1000, time)
        let energy = ddr4.energy(DRAMPower.activity(commands), timing: timing)
        XCTAssertEqual(energy[DRAMPower.activate]!, 100 * 4200, accuracy: 1e-6)
        let writeBurst: Double = 8 * 1.2 * 98 * 2.5
        XCTAssertEqual(energy[DRAMPower.readWrite]!, 50 * 2784 + 50 * writeBurst, accuracy: 1e-6)
        // Per bit, the activations dominate: 4200 pJ per 512 bits against 5.4 for a row hit's burst.
        let perBit = energy.values.reduce(0, +) / (100 * 512)
        XCTAssertGreaterThan(perBit, 4 * 8.36)
    }

    /// Nothing moves: every channel in precharged standby, refreshing.
    func testAnIdleIntervalCostsStandbyAndRefresh() throws {
        let timing = try XCTUnwrap(DRAMTiming(technology: "ddr4", channels: 4))
        let commands = try timing.commands([], endPicoseconds: 1_000_000)
        XCTAssertEqual(commands.prechargedStandbyPicoseconds, 4_000_000)
        XCTAssertEqual(commands.activeStandbyPicoseconds, 0)
        let energy = ddr4.energy(DRAMPower.activity(commands), timing: timing)
        XCTAssertEqual(energy[DRAMPower.background]!, 4 * 1000 * 355.2, accuracy: 1e-6)
        XCTAssertEqual(energy[DRAMPower.refresh]!, 4 * 1000 * refresh, accuracy: 1e-6)
        XCTAssertEqual(energy[DRAMPower.activate]! + energy[DRAMPower.readWrite]!, 0)
    }

    /// A run through the energy table: on a standard's channels, DRAM energy is the commands' and
    /// the time's; traffic that bypassed the bank model counts as whole bursts over active standby.
    func testTheEnergyTablePricesChannelsByCommandAndTheIdealInterfacePerBit() throws {
        let table = try EnergyTable.load(path: DRAMEnergyTests.repository.appendingPathComponent("Configs/energy/28nm.yaml").path)
        var timing = try XCTUnwrap(DRAMTiming(technology: "ddr4", channels: 2))
        timing.clockMHz = 500
        let counters: [String: UInt64] = ["dram.read_bits": 512_000, "dram.read_bursts": 1000, "dram.activates": 10,
                                          "dram.active_standby_cycles": 900, "dram.precharged_standby_cycles": 100]
        let banked = try table.energy(counters: counters, cycles: 500, processingElements: 0, dram: "ddr4", timing: timing).picojoules
        XCTAssertNil(banked["dram"])
        XCTAssertEqual(banked[DRAMPower.activate]!, 42_000, accuracy: 1e-6)
        XCTAssertEqual(banked[DRAMPower.readWrite]!, 2_784_000, accuracy: 1e-6)
        let standby: Double = 900 * 2 * 499.2 + 100 * 2 * 355.2
        XCTAssertEqual(banked[DRAMPower.background]!, standby, accuracy: 1e-6)
        XCTAssertEqual(banked[DRAMPower.refresh]!, 1000 * 2 * refresh, accuracy: 1e-6)
        let bypass = try table.energy(counters: ["dram.write_bits": 1000], cycles: 50, processingElements: 0, dram: "ddr4", timing: timing).picojoules
        let twoWriteBursts: Double = 2 * 8 * 1.2 * 98 * 2.5
        XCTAssertEqual(bypass[DRAMPower.readWrite]!, twoWriteBursts, accuracy: 1e-6, "1000 bits: two bursts")
        XCTAssertEqual(bypass[DRAMPower.background]!, 50 * 2 * 2 * 499.2, accuracy: 1e-6, "50 cycles of 2 ns on both channels")
        let ideal = try table.energy(counters: counters, cycles: 500, processingElements: 0, dram: "ddr4").picojoules
        XCTAssertEqual(ideal["dram"]!, 512_000 * 20.3, accuracy: 1e-6)
        XCTAssertNil(ideal[DRAMPower.background])
    }

    func testABadPartIsRefusedNamingTheField() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-dram-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try String(contentsOf: DRAMEnergyTests.repository.appendingPathComponent("Configs/dram/ddr4.yaml"), encoding: .utf8)
        for (edit, needle) in [("idd4r: 168", "idd4r: 10"), ("trefi: {value: 12480", "trefi: {value: 100"), ("volts: 1.2", "volts: -1"),
                               ("tras: {value: 52, source: \"DRAMsim3 DDR4_8Gb_x8_3200.ini tRAS\"}", "tras: {value: 52, source: \" \"}"),
                               ("bus_bits: 64", "bus_bits: 60"), ("row_bytes: 8192", "row_bytes: 100"), ("tck_ps: 625, ", "")] {
            let path = folder.appendingPathComponent("bad.yaml").path
            try good.replacingOccurrences(of: edit, with: needle).write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try DRAMPower.load(path: path), needle) { error in
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
            }
        }
    }

    /// The parts are files: each technology's timing comes from its file, and a technology with
    /// no file is refused naming the ones there are.
    func testThePartsAreTheFilesInConfigsDram() throws {
        XCTAssertEqual(DRAMParts.names, ["ddr4", "hbm2", "lpddr4"])
        let ddr4 = try DRAMParts.timing("ddr4", channels: 4, clockMHz: 1000)
        XCTAssertEqual([ddr4.banks, ddr4.busBits, ddr4.burstLength, ddr4.rowBytes, ddr4.tckPicoseconds, ddr4.cl, ddr4.trcd, ddr4.trp, ddr4.channels],
                       [16, 64, 8, 8192, 625, 22, 22, 22, 4])
        XCTAssertEqual(ddr4.standard, "DDR4-3200")
        XCTAssertEqual(ddr4.clockMHz, 1000)
        XCTAssertThrowsError(try DRAMParts.part("ddr5")) { XCTAssertTrue("\($0)".contains("ddr5: no such DRAM part (there are ddr4, hbm2, lpddr4)"), "\($0)") }
        XCTAssertThrowsError(try DRAMParts.part("../energy/28nm")) { XCTAssertTrue("\($0)".contains("no such DRAM part"), "\($0)") }
        XCTAssertNil(DRAMTiming(technology: "ddr5", channels: 1))
    }
}
