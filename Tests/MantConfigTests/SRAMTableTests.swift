import Foundation
import XCTest
import MantHardware
@testable import MantConfig

final class SRAMTableTests: XCTestCase {
    static var configs: URL { EnergyTableTests.energy.deletingLastPathComponent() }

    func table() throws -> SRAMTable { try SRAMTable.load(path: SRAMTableTests.configs.appendingPathComponent("sram/cacti.csv").path) }

    /// Energy per bit and area never fall as a bank grows, at every width, on and between grid points.
    func testEnergyPerBitAndAreaAreMonotoneInCapacity() throws {
        let sram = try table()
        XCTAssertEqual(sram.nodes, [32, 45])
        for node in sram.nodes {
            for width in [8.0, 16, 24, 32, 100, 128, 512, 1040, 2048, 4096] {
                var previous: SRAMTable.Bank?
                var bytes = 64.0
                while bytes <= 4 * 1024 * 1024 {
                    let bank = try XCTUnwrap(sram.bank(node: node, bytes: bytes, widthBits: width))
                    if let previous {
                        XCTAssertGreaterThanOrEqual(bank.readPicojoules, previous.readPicojoules, "\(node) nm, \(width) bits, \(bytes) B")
                        XCTAssertGreaterThanOrEqual(bank.writePicojoules, previous.writePicojoules, "\(node) nm, \(width) bits, \(bytes) B")
                        XCTAssertGreaterThan(bank.areaSquareMicrons, previous.areaSquareMicrons, "\(node) nm, \(width) bits, \(bytes) B")
                    }
                    previous = bank
                    bytes *= 1.19
                }
            }
        }
    }

    /// On a grid point the table's row comes back unchanged; half-way (in log2) it is the mean.
    func testInterpolationHitsGridPointsAndBlendsInLogSpace() throws {
        let sram = try table()
        let text = try String(contentsOfFile: SRAMTableTests.configs.appendingPathComponent("sram/cacti.csv").path, encoding: .utf8)
        let row = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("32,4096,32,") }).split(separator: ",").map(String.init)
        let bank = try XCTUnwrap(sram.bank(node: 32, bytes: 4096, widthBits: 32))
        XCTAssertEqual(bank.readPicojoules, Double(row[3])!)
        XCTAssertEqual(bank.writePicojoules, Double(row[4])!)
        XCTAssertEqual(bank.areaSquareMicrons, Double(row[5])!)
        let low = try XCTUnwrap(sram.bank(node: 32, bytes: 4096, widthBits: 64))
        let middle = try XCTUnwrap(sram.bank(node: 32, bytes: 4096, widthBits: 32 * 2.0.squareRoot()))
        XCTAssertEqual(middle.readPicojoules, (bank.readPicojoules + low.readPicojoules) / 2, accuracy: 1e-12)
        // Beyond the grid: the edge's energy per bit of port, area in proportion to capacity.
        let edge = try XCTUnwrap(sram.bank(node: 32, bytes: 256, widthBits: 2048))
        let wider = try XCTUnwrap(sram.bank(node: 32, bytes: 256, widthBits: 4096))
        XCTAssertEqual(wider.readPicojoules, 2 * edge.readPicojoules, accuracy: 1e-12)
        let smaller = try XCTUnwrap(sram.bank(node: 32, bytes: 64, widthBits: 8))
        XCTAssertEqual(smaller.areaSquareMicrons, try XCTUnwrap(sram.bank(node: 32, bytes: 256, widthBits: 8)).areaSquareMicrons / 4, accuracy: 1e-9)
        XCTAssertNil(sram.bank(node: 28, bytes: 4096, widthBits: 32))
    }

    /// 28 nm carries CACTI's 32 nm banks over by 28/32 in energy and (28/32)^2 in area; buffer
    /// counters follow each buffer's own capacity, banks and width.
    func testPricesFollowTheNodeRuleAndEachBuffersGeometry() throws {
        let energy = try EnergyTable.load(path: EnergyTableTests.energy.appendingPathComponent("28nm.yaml").path)
        var arch = try ArchitectureConfig.load(path: SRAMTableTests.configs.appendingPathComponent("arch/int8.yaml").path)
        let raw = try XCTUnwrap(try table().bank(node: 32, bytes: 4096, widthBits: 32))
        let priced = energy.priced(for: arch)
        XCTAssertEqual(priced.actions["wbuf.read_bits"]!.picojoules, raw.readPicojoules * 28 / 32 / 32, accuracy: 1e-15)
        XCTAssertEqual(priced.actions["wbuf.write_bits"]!.picojoules, raw.writePicojoules * 28 / 32 / 32, accuracy: 1e-15)
        XCTAssertTrue(priced.actions["wbuf.read_bits"]!.source.contains("WBUF: 32 x 4 KiB banks, 32-bit ports, CACTI 32 nm"))
        let wbuf = try XCTUnwrap(arch.memories().first { $0.name == "WBUF" })
        XCTAssertEqual(try XCTUnwrap(energy.bank(of: wbuf)).areaSquareMicrons, raw.areaSquareMicrons * 0.875 * 0.875, accuracy: 1e-9)
        // A 4x larger WBUF in as many banks costs more per bit; in 4x the banks, the same per bit.
        arch.array.weightBufferBytes *= 4
        let larger = energy.priced(for: arch).actions["wbuf.read_bits"]!.picojoules
        XCTAssertGreaterThan(larger, priced.actions["wbuf.read_bits"]!.picojoules)
        arch.array.weightBufferBanks *= 4
        XCTAssertEqual(energy.priced(for: arch).actions["wbuf.read_bits"]!.picojoules, priced.actions["wbuf.read_bits"]!.picojoules)
        // A wider port moves more bits per access for less energy per bit.
        arch.array.weightBufferBankBits *= 4
        XCTAssertLessThan(energy.priced(for: arch).actions["wbuf.read_bits"]!.picojoules, priced.actions["wbuf.read_bits"]!.picojoules)
    }

    /// SRAM leakage is charged over time: linear in the cycles, and in the capacity when the banks
    /// multiply; each bank's is the table's (its row at 32 nm x 28/32), summed over every memory
    /// the architecture builds, per cycle of its clock.
    func testSRAMLeakageGrowsLinearlyWithTimeAndCapacity() throws {
        let energy = try EnergyTable.load(path: EnergyTableTests.energy.appendingPathComponent("28nm.yaml").path)
        var arch = try ArchitectureConfig.load(path: SRAMTableTests.configs.appendingPathComponent("arch/int8.yaml").path)
        let priced = energy.priced(for: arch)
        let perCycle = priced.sramLeakagePicojoulesPerCycle
        let expected = arch.memories().filter(\.built).map { memory in
            Double(memory.banks) * (energy.bank(of: memory)?.leakageMilliwatts ?? 0) * 1000 / arch.clockMHz
        }.reduce(0, +)
        XCTAssertEqual(perCycle, expected, accuracy: 1e-15)
        let raw = try XCTUnwrap(try table().bank(node: 32, bytes: 4096, widthBits: 32))
        let wbuf = try XCTUnwrap(arch.memories().first { $0.name == "WBUF" })
        XCTAssertEqual(try XCTUnwrap(energy.bank(of: wbuf)).leakageMilliwatts, raw.leakageMilliwatts * 28 / 32, accuracy: 1e-15)
        func leakage(_ table: EnergyTable, cycles: UInt64) throws -> Double {
            try table.energy(counters: [:], cycles: cycles, processingElements: 0, dram: "ddr4").picojoules["sram_leakage"] ?? 0
        }
        XCTAssertGreaterThan(try leakage(priced, cycles: 1000), 0)
        XCTAssertEqual(try leakage(priced, cycles: 3000), 3 * (try leakage(priced, cycles: 1000)), accuracy: 1e-12)
        // Every buffer with twice the banks of the same size: twice the capacity, twice the leakage.
        arch.array.weightBufferBytes *= 2; arch.array.weightBufferBanks *= 2
        arch.array.activationBufferBytes *= 2; arch.array.activationBufferBanks *= 2
        arch.array.outputBufferBytes *= 2; arch.array.outputBufferBanks *= 2
        XCTAssertEqual(try leakage(energy.priced(for: arch), cycles: 1000), 2 * (try leakage(priced, cycles: 1000)), accuracy: 1e-12)
        XCTAssertNil(try energy.energy(counters: [:], cycles: 1000, processingElements: 0, dram: "ddr4").picojoules["sram_leakage"],
                     "an unpriced table charges no SRAM leakage")
    }

    func testBrokenSRAMSectionsAndTablesAreRejected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sram-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = try String(contentsOf: EnergyTableTests.energy.appendingPathComponent("28nm.yaml"), encoding: .utf8)
        func load(_ yaml: String) -> String {
            let path = directory.appendingPathComponent("energy.yaml").path
            try? yaml.write(toFile: path, atomically: true, encoding: .utf8)
            do { _ = try EnergyTable.load(path: path); return "" } catch { return "\(error)" }
        }
        let table = SRAMTableTests.configs.appendingPathComponent("sram/cacti.csv").path
        let area = SRAMTableTests.configs.appendingPathComponent("area/synthesized.csv").path
        let moved = base.replacingOccurrences(of: "table: ../sram/cacti.csv", with: "table: \(table)")
            .replacingOccurrences(of: "table: ../area/synthesized.csv", with: "table: \(area)")
        XCTAssertEqual(load(moved), "")
        XCTAssertTrue(load(moved.replacingOccurrences(of: "cacti_node_nm: 32", with: "cacti_node_nm: 28")).contains("sram.cacti_node_nm: 28 is not in"))
        XCTAssertTrue(load(base).contains("sram.table:"), "a table that is not there is named")
        let fixed = moved.replacingOccurrences(of: "actions:\n", with: "actions:\n  wbuf.read_bits: {pj: 0.1, source: \"x\"}\n")
        XCTAssertTrue(load(fixed).contains("actions.wbuf.read_bits: priced by the sram table"))
        let csv = directory.appendingPathComponent("bad.csv").path
        try "# comment\ncacti_node_nm,bank_bytes,width_bits,read_pj,write_pj,area_um2,leakage_mw\n32,4096,32,nan,1,1,1\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SRAMTable.load(path: csv)) { XCTAssertTrue("\($0)".contains("data row 1")) }
    }
}
