import Foundation
import XCTest
import MantHardware
import MantNumerics
@testable import MantConfig

final class ArchitectureConfigTests: XCTestCase {
    static var configs: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/arch")
    }

    func testEveryBundledArchitectureLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: ArchitectureConfigTests.configs.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(Set(files), ["fp16.yaml", "int8.yaml", "int4.yaml", "ant.yaml", "olive.yaml", "mxfp4.yaml", "mant.yaml", "lut.yaml"])
        for file in files {
            let config = try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent(file).path)
            XCTAssertEqual(PEType(format: config.weightFormat), config.array.peType, file)
            XCTAssertEqual(config.array.rows, 32)
            XCTAssertEqual(config.clockMHz, 500)
        }
        let mant = try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent("mant.yaml").path)
        XCTAssertEqual(mant.weightFormat.name, "mant4/group64")
        let int8 = try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent("int8.yaml").path)
        XCTAssertEqual(int8.weightFormat.name, "int8/channel")
    }

    func testEveryProblemIsReportedAtOnceWithItsField() throws {
        let text = """
        name: broken
        pe: mant
        clock_mhz: -5
        colour: blue
        array: {rows: 0, columns: 32}
        buffers: {weight_bytes: 1024, activation_bytes: 1024}
        dram: {bits_per_cycle: 64, latency_cycles: 10, banks: 4}
        formats: {weights: int4, activation_bits: 6}
        """
        XCTAssertThrowsError(try ArchitectureConfig.parse(text, path: "broken.yaml")) { error in
            let message = "\(error)"
            for needle in ["broken.yaml: clock_mhz", "broken.yaml: colour: unknown key", "array.rows", "buffers.output_bytes: missing",
                           "dram.banks: unknown key", "formats.weights: int4 does not run on a 'mant' array", "formats.activation_bits"] {
                XCTAssertTrue(message.contains(needle), "missing '\(needle)' in\n\(message)")
            }
        }
        let kv = """
        name: kv
        pe: int
        clock_mhz: 500
        array: {rows: 8, columns: 8}
        buffers: {weight_bytes: 1024, activation_bytes: 1024, output_bytes: 1024}
        dram: {bits_per_cycle: 64, latency_cycles: 10}
        formats: {weights: int4, kv: mant4, activation_bits: 8}
        vector: {lanes: 0, width: 3}
        """
        XCTAssertThrowsError(try ArchitectureConfig.parse(kv, path: "kv.yaml")) { error in
            let message = "\(error)"
            for needle in ["formats.kv: mant4 does not run on a 'int' array", "vector.lanes", "vector.width: unknown key"] {
                XCTAssertTrue(message.contains(needle), "missing '\(needle)' in\n\(message)")
            }
        }
        let orphan = kv.replacingOccurrences(of: "kv: mant4", with: "kv_group: 32").replacingOccurrences(of: "vector: {lanes: 0, width: 3}", with: "")
        XCTAssertThrowsError(try ArchitectureConfig.parse(orphan, path: "kv.yaml")) { XCTAssertTrue("\($0)".contains("formats.kv_group: given without formats.kv")) }
        let plain = try ArchitectureConfig.parse(orphan.replacingOccurrences(of: ", kv_group: 32", with: ""), path: "kv.yaml")
        XCTAssertEqual(plain.kvFormat, plain.weightFormat)
        XCTAssertEqual(plain.vector, VectorUnitConfig())
        XCTAssertThrowsError(try ArchitectureConfig.parse("pe: [", path: "bad.yaml")) { XCTAssertTrue("\($0)".contains("bad.yaml: YAML")) }
        XCTAssertThrowsError(try ArchitectureConfig.load(path: "/no/such.yaml")) { XCTAssertTrue("\($0)".contains("cannot be read")) }
        XCTAssertThrowsError(try ArchitectureConfig.parse("pe: tpu", path: "x.yaml")) { XCTAssertTrue("\($0)".contains("pe: expected one of")) }
    }
}
