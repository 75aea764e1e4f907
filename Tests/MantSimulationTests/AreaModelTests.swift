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

    func testSynthesizedPEAreasAreTransistorsTimesTheNodesFactor() throws {
        let table = try energyTable("28nm")
        let synthesized = try XCTUnwrap(table.synthesizedArea)
        XCTAssertEqual(synthesized.squareMicronsPerTransistor, 0.1995 * (28.0 / 45) * (28.0 / 45), accuracy: 1e-5)
        let gates = try AreaModel(table: try table.withPEAreas(.synthesized, label: "28nm"))
        let composed = try AreaModel(table: table)
        for (name, entry) in [("int8", "pe.mac_w8a8"), ("int4", "pe.mac_w4a8"), ("mant", "pe.mac_w3a8"), ("ant", "pe.mac_ant_w8a8"), ("olive", "pe.mac_olive_w8a8"),
                                ("fp16", "pe.mac_fp16")] {
            let architecture = try bundledArchitecture(name, rows: 16, columns: 8)
            let area = try gates.area(of: architecture)
            let transistors = Double(try XCTUnwrap(synthesized.transistors[entry], entry))
            XCTAssertEqual(area["pe"]!, 128 * transistors * synthesized.squareMicronsPerTransistor / 1e6, accuracy: 1e-12, name)
            let other = try composed.area(of: architecture)
            XCTAssertEqual(area["wbuf"], other["wbuf"], "only PE (and SAC combine) areas change")
            XCTAssertEqual(area["vector"], other["vector"])
        }
        // M-ANT's SAC rows take the synthesized a x M + H unit beside the composed FP32 scale-accumulate.
        let mant = try bundledArchitecture("mant", rows: 64, columns: 8)
        let sac = try gates.area(of: mant)["sac"]! - (try composed.area(of: mant)["sac"]!)
        let combine = Double(synthesized.transistors["sac.combine_unit"]!) * synthesized.squareMicronsPerTransistor - table.areas["sac.combine_unit"]!.picojoules
        XCTAssertEqual(sac, 8 * 1 * combine / 1e6, accuracy: 1e-12, "one SAC row per 64-row group, one unit per column")
        // The LUT arrays' table per column is the Verilog LUT decoder; the FP16 scale multiplier stays composed.
        let lutTable = Double(synthesized.transistors["decoder.lut_table"]!) * synthesized.squareMicronsPerTransistor / 1e6
        let lutSAC = try gates.area(of: try bundledArchitecture("lut-sac", rows: 32, columns: 32))
        XCTAssertEqual(lutSAC["decoder"]!, 32 * lutTable, accuracy: 1e-12)
        let lut = try gates.area(of: try bundledArchitecture("lut", rows: 32, columns: 32))
        let multiplier = (table.areas["decoder.lut_unit"]!.picojoules - table.areas["decoder.unit"]!.picojoules) / 1e6
        XCTAssertEqual(lut["decoder"]!, 32 * (multiplier + lutTable), accuracy: 1e-12)
        XCTAssertEqual(try composed.area(of: try bundledArchitecture("lut", rows: 32, columns: 32))["decoder"]!,
                       32 * table.areas["decoder.lut_unit"]!.picojoules / 1e6, "composed areas are as they were")
        // Fused decode: the M-ANT PE is smaller in gates than a PE that decodes to 8 bits and multiplies.
        XCTAssertLessThan(synthesized.transistors["pe.mac_w3a8"]!, synthesized.transistors["pe.mac_ant_w8a8"]!)
        XCTAssertLessThan(synthesized.transistors["pe.mac_w3a8"]!, synthesized.transistors["pe.mac_olive_w8a8"]!)
        XCTAssertLessThan(synthesized.transistors["pe.mac_w4a8"]!, synthesized.transistors["pe.mac_w8a8"]!)
        // A PE kind with no Verilog is refused naming the kind and the file; a table with no counts too.
        XCTAssertThrowsError(try gates.area(of: try bundledArchitecture("mxfp4", rows: 8, columns: 8))) { error in
            XCTAssertTrue("\(error)".contains("has no pe.mac_mxfp4_w5a8 (the mxfp4 array's)") && "\(error)".contains("synthesized.csv"), "\(error)")
        }
        var bare = table
        bare.synthesizedArea = nil
        XCTAssertThrowsError(try bare.withPEAreas(.synthesized, label: "bare.yaml")) { XCTAssertTrue("\($0)".contains("bare.yaml: synthesized_area: missing"), "\($0)") }
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
        // An FP16 attention unit beside the array keeps its share of the PEs as both shrink.
        for name in ["ant-kv16", "olive-kv16"] {
            let original = try bundledArchitecture(name)
            let unit = try XCTUnwrap(original.attentionUnit)
            let resized = try XCTUnwrap(try model.resized(original, toArea: budget, components: AreaModel.core), name)
            let shrunk = try XCTUnwrap(resized.attentionUnit)
            XCTAssertLessThan(resized.array.rows, original.array.rows, "\(name): the FP16 unit takes area the array must give up")
            XCTAssertEqual(Double(shrunk.rows) / Double(resized.array.rows), Double(unit.rows) / Double(original.array.rows), accuracy: 0.5 / Double(resized.array.rows) + 1e-12, name)
            XCTAssertEqual(shrunk.peType, unit.peType)
            XCTAssertEqual(shrunk.weightBufferBanks, resized.array.weightBufferBanks, "the unit reads the array's buffers")
            XCTAssertLessThanOrEqual(try model.area(of: resized, components: AreaModel.core), budget, name)
        }
        var bare = try energyTable()
        bare.areas = [:]
        XCTAssertThrowsError(try AreaModel(table: bare)) { XCTAssertTrue("\($0)".contains("area: missing")) }
    }
}
