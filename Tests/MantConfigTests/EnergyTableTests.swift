import Foundation
import XCTest
import MantHardware
import MantNumerics
@testable import MantConfig

final class EnergyTableTests: XCTestCase {
    static var energy: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/energy")
    }

    /// Every bundled energy file, priced for every bundled architecture, prices every counter.
    func testBothNodesPriceEveryCounterTheModelEmits() throws {
        let archs = EnergyTableTests.energy.deletingLastPathComponent().appendingPathComponent("arch")
        let files = try FileManager.default.contentsOfDirectory(atPath: archs.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThan(files.count, 10)
        for file in ["28nm.yaml", "45nm.yaml"] {
            let table = try EnergyTable.load(path: EnergyTableTests.energy.appendingPathComponent(file).path)
            XCTAssertNotNil(table.sram, file)
            XCTAssertThrowsError(try table.requireEntries(for: RTLModel.counterNames), "SRAM counters are priced per architecture")
            for arch in files {
                let priced = table.priced(for: try ArchitectureConfig.load(path: archs.appendingPathComponent(arch).path))
                XCTAssertNoThrow(try priced.requireEntries(for: RTLModel.counterNames), "\(file) on \(arch)")
                XCTAssertTrue(priced.actions.values.allSatisfy { !$0.source.isEmpty })
                XCTAssertTrue(priced.actions["wbuf.read_bits"]!.source.contains("CACTI"))
            }
            XCTAssertEqual(Set(table.dramRead.keys), ["ddr4", "lpddr4", "hbm2"])
        }
    }

    /// Energy is exactly the sum of counters times the table, plus PE leakage times cycles.
    func testEnergyIsCountersTimesTheTable() throws {
        let table = try EnergyTable.load(path: EnergyTableTests.energy.appendingPathComponent("28nm.yaml").path)
            .priced(for: try ArchitectureConfig.load(path: EnergyTableTests.energy.deletingLastPathComponent().appendingPathComponent("arch/mant.yaml").path))
        let model = try RTLModel.fresh()
        let weights = try MANTFormat(granularity: .group(16)).quantize(try SyntheticTensor.llmLike(rows: 24, columns: 48, seed: 4))
        let operands = try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: 5, columns: 48, seed: 5))
        let result = try model.run(operands, on: ArrayConfig(peType: .mant, rows: 8, columns: 8), dataflow: .weightStationary)
        let breakdown = try table.energy(counters: result.counters, cycles: result.totalCycles, processingElements: 64, dram: "lpddr4")
        var expected = 0.0
        for (name, count) in result.counters {
            if let entry = table.actions[name] { expected += Double(count) * entry.picojoules }
        }
        expected += Double(result.counters["dram.read_bits"]! + result.counters["dram.write_bits"]!) * 8.0
        expected += Double(result.totalCycles) * 64 * 0.129
        expected += Double(result.totalCycles) * table.sramLeakagePicojoulesPerCycle
        XCTAssertEqual(breakdown.total, expected, accuracy: expected * 1e-12)
        XCTAssertEqual(breakdown.picojoules["pe"]!, Double(result.counters["pe.mac_w3a8"]!) * 0.1089
                       + Double(result.counters["pe.shift_add"]!) * 0.08089, accuracy: 1e-6)
        XCTAssertGreaterThan(breakdown.picojoules["dram"]!, 0)
    }

    func testBrokenTablesAreRejected() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("energy-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        node_nm: 28
        actions:
          pe.mac_w8a8: {pj: -1, source: "x"}
          pe.mac_fp16: {pj: 1, source: ""}
        dram: {ddr4: {read_pj_per_bit: 20, write_pj_per_bit: 20}}
        leakage: {pe: {pj_per_cycle: 0.1, source: "y"}, sram: 1}
        colour: red
        """.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try EnergyTable.load(path: path)) { error in
            let text = "\(error)"
            for needle in ["actions.pe.mac_w8a8.pj", "actions.pe.mac_fp16.source: empty", "dram.ddr4.source: missing",
                           "leakage.sram: unknown key", "colour: unknown key"] {
                XCTAssertTrue(text.contains(needle), "missing \(needle) in\n\(text)")
            }
        }
        let table = try EnergyTable.load(path: EnergyTableTests.energy.appendingPathComponent("45nm.yaml").path)
        XCTAssertThrowsError(try table.energy(counters: ["pe.mac_w9a9": 1], cycles: 1, processingElements: 1, dram: "ddr4")) {
            XCTAssertTrue("\($0)".contains("actions.pe.mac_w9a9: missing"))
        }
    }
}
