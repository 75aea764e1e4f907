import XCTest
import MantConfig
import MantHardware
@testable import MantSimulation

final class AreaModelTests: XCTestCase {
    func testAreaIsUnitsTimesCountsFromTheTable() throws {
        let table = try energyTable("45nm")
        let model = try AreaModel(table: table)
        let int8 = try bundledArchitecture("int8", rows: 32, columns: 32)
        let area = try model.area(of: int8)
        func unit(_ name: String) -> Double { table.areas[name]!.picojoules / 1e6 }
        XCTAssertEqual(area["pe"]!, 1024 * unit("pe.mac_w8a8"), accuracy: 1e-12)
        XCTAssertEqual(area["pe"]!, 1024 * 419e-6, accuracy: 1e-9, "Horowitz: 8b multiplier 282 + 32b adder 137 um^2")
        // Per-channel scales: one SAC row, plus the output scalers; a decoder per column.
        XCTAssertEqual(area["sac"]!, 32 * (unit("sac.unit") + unit("output.scale_unit")), accuracy: 1e-12)
        XCTAssertEqual(area["decoder"]!, 32 * unit("decoder.unit"), accuracy: 1e-12)
        // Buffers: their banks priced from the CACTI grid (45 nm is a grid node: no scaling).
        let wbufBank = try XCTUnwrap(table.sram?.table.bank(node: 45, bytes: 4096, widthBits: 32))
        XCTAssertEqual(area["wbuf"]!, 32 * wbufBank.areaSquareMicrons / 1e6, accuracy: 1e-12)
        XCTAssertNil(area["kv"])
        let mant = try model.area(of: try bundledArchitecture("mant", rows: 32, columns: 32))
        let window = try XCTUnwrap(table.sram?.table.bank(node: 45, bytes: Double(64 * (128 * 8 + 16) / 8), widthBits: 128 * 8 + 16))
        XCTAssertEqual(mant["kv"]!, 8 * unit("kv.lane") + window.areaSquareMicrons / 1e6, accuracy: 1e-12)
        XCTAssertNil(try model.area(of: try bundledArchitecture("fp16", rows: 32, columns: 32))["sac"])
        // LUT: the scale multiplier sits in each column's decoder, or in one SAC row per 128-row
        // group (at least one) with a plain table decoder.
        let lut = try model.area(of: try bundledArchitecture("lut", rows: 32, columns: 32))
        XCTAssertNil(lut["sac"])
        XCTAssertEqual(lut["decoder"]!, 32 * unit("decoder.lut_unit"), accuracy: 1e-12)
        let lutSAC = try model.area(of: try bundledArchitecture("lut-sac", rows: 32, columns: 32))
        XCTAssertEqual(lutSAC["sac"]!, 32 * unit("sac.unit"), accuracy: 1e-12)
        XCTAssertEqual(lutSAC["decoder"]!, 32 * unit("decoder.unit"), accuracy: 1e-12)
    }

    func testResizingFindsTheLargestSquareArrayThatFits() throws {
        let model = try AreaModel(table: try energyTable())
        let int8 = try bundledArchitecture("int8", rows: 32, columns: 32)
        let budget = try model.area(of: int8, components: AreaModel.core)
        XCTAssertEqual(try model.resized(int8, toArea: budget, components: AreaModel.core)?.array.rows, 32)
        let int4 = try XCTUnwrap(try model.resized(try bundledArchitecture("int4"), toArea: budget, components: AreaModel.core))
        XCTAssertGreaterThan(int4.array.rows, 32, "smaller PEs: more of them")
        XCTAssertLessThanOrEqual(try model.area(of: int4, components: AreaModel.core), budget)
        var bigger = int4
        bigger.array.rows += 1
        bigger.array.columns += 1
        XCTAssertGreaterThan(try model.area(of: bigger, components: AreaModel.core), budget)
        XCTAssertNil(try model.resized(int8, toArea: 1e-9))
        var bare = try energyTable()
        bare.areas = [:]
        XCTAssertThrowsError(try AreaModel(table: bare)) { XCTAssertTrue("\($0)".contains("area: missing")) }
    }
}
