import Foundation
import XCTest
import MantHardware
import MantNumerics
@testable import MantConfig

final class FormatsConfigTests: XCTestCase {
    private func architecture(_ name: String) throws -> ArchitectureConfig {
        try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent("\(name).yaml").path)
    }

    private var formatsFolder: URL { ArchitectureConfigTests.configs.deletingLastPathComponent().appendingPathComponent("formats") }

    /// A formats file swaps what it names and keeps the rest of the architecture, hardware included.
    func testAFormatsFileSwapsOnlyWhatItNames() throws {
        let mant = try architecture("mant")
        let swapped = try mant.applyingFormats(file: formatsFolder.appendingPathComponent("mant3.yaml").path)
        XCTAssertEqual(swapped.weightFormat.name, "mant3/group64")
        XCTAssertEqual(swapped.kvFormat, mant.kvFormat)
        XCTAssertEqual(swapped.activationBits, mant.activationBits)
        XCTAssertEqual(swapped.array, mant.array)
        XCTAssertEqual(swapped.kvEngine, mant.kvEngine)
        XCTAssertEqual(swapped.name, "\(mant.name) with mant3")
        let int4 = try architecture("int4").applyingFormats("weights: int4\ngroup: 128\nactivation_bits: 4\ndataflow: os\n", path: "w4a4.yaml")
        XCTAssertEqual(int4.weightFormat.name, "int4/group128")
        XCTAssertEqual(int4.activationBits, 4)
        XCTAssertEqual(int4.dataflow, .outputStationary)
    }

    func testEveryBundledFormatsFileRunsOnTheArrayItNames() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: formatsFolder.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let text = try String(contentsOf: formatsFolder.appendingPathComponent(file), encoding: .utf8)
            // Each file's comment names the architecture it runs on: "--arch NAME".
            let arch = try XCTUnwrap(text.range(of: #"--arch [a-z0-9-]+"#, options: .regularExpression).map { String(text[$0].dropFirst(7)) }, file)
            XCTAssertNoThrow(try architecture(arch).applyingFormats(text, path: file), file)
        }
    }

    /// Every problem at once, named with the formats file, including the array's own limits.
    func testProblemsNameTheFormatsFile() throws {
        XCTAssertThrowsError(try architecture("mant").applyingFormats("weights: int4\nactivation_bits: 6\ncolour: red\n", path: "bad.yaml")) { error in
            let problems = (error as? ConfigError)?.problems ?? []
            XCTAssertEqual((error as? ConfigError)?.path, "bad.yaml")
            XCTAssertTrue(problems.contains { $0.contains("colour") }, "\(problems)")
            XCTAssertTrue(problems.contains { $0.contains("formats.weights: int4 does not run on a 'mant' array") }, "\(problems)")
            XCTAssertTrue(problems.contains { $0.contains("formats.activation_bits") }, "\(problems)")
        }
        XCTAssertThrowsError(try architecture("vq").applyingFormats("weights: aqlm3\n", path: "big.yaml")) { error in
            XCTAssertEqual((error as? ConfigError)?.problems,
                           ["decoder.codebook_bytes: 16384 bytes cannot hold one set of formats.weights (vq<8,12,2>/tensor) codebooks (131072 bytes)"])
        }
        XCTAssertThrowsError(try architecture("mant").applyingFormats(file: "/nonexistent/formats.yaml")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/formats.yaml: file: does not exist")
        }
    }
}
