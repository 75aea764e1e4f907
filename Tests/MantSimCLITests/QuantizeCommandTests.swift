import Foundation
import XCTest
import MantNumerics
import MantTensorIO

final class QuantizeCommandTests: CLITestCase {
    /// Bit-for-bit regression of every format on the built-in synthetic tensor.
    func testGoldenReportOfAllFormats() throws {
        let run = try mantsim("quantize", "--all", "--rows", "16", "--columns", "256", "--json")
        XCTAssertEqual(run.status, 0, run.error)
        XCTAssertEqual(run.error, "", "progress must stay quiet when stderr is not a terminal")
        try assertMatchesGolden(run.output, named: "quantize-all-16x256.json")
    }

    func testTableReportAndCoefficientHistogram() throws {
        let run = try mantsim("quantize", "--rows", "8", "--columns", "512", "-f", "mant4,int4", "nf4")
        XCTAssertEqual(run.status, 0, run.error)
        for needle in ["mant4/group64", "int4/group64", "nf4/group64", "4.3125", "groups choosing each a (of 64)", "SQNR dB"] {
            XCTAssertTrue(run.output.contains(needle), "missing \(needle) in\n\(run.output)")
        }
    }

    func testSafetensorsInputOutputFileAndJSON() throws {
        let tensor = try SyntheticTensor.llmLike(rows: 4, columns: 128, seed: 9)
        try SafetensorsFile.write([("a.weight", tensor), ("b.weight", tensor)], to: path("m.safetensors"))

        let ambiguous = try mantsim("quantize", path("m.safetensors"))
        XCTAssertNotEqual(ambiguous.status, 0)
        XCTAssertTrue(ambiguous.error.contains("--tensor"), ambiguous.error)

        let run = try mantsim("quantize", path("m.safetensors"), "--tensor", "b.weight", "-f", "mant4", "--group", "32",
                              "--output", path("b.mqt"), "--json")
        XCTAssertEqual(run.status, 0, run.error)
        let report = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as! [String: Any]
        XCTAssertEqual(report["shape"] as? [Int], [4, 128])
        let result = (report["results"] as! [[String: Any]])[0]
        XCTAssertEqual(result["format"] as? String, "mant4/group32")
        XCTAssertEqual(result["bitsPerWeight"] as? Double, 4 + 20.0 / 32)

        // The written file decodes to exactly what the reference numerics produce.
        let stored = try QuantizedTensorFile.read(path: path("b.mqt"))
        let format = try MANTFormat(bits: 4, granularity: .group(32))
        XCTAssertEqual(stored.first?.tensor, try format.quantize(tensor))
    }

    func testBadInputsFailClearlyAndLeaveNothingBehind() throws {
        let unknown = try mantsim("quantize", "-f", "mant9")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.error.contains("unknown format 'mant9'"), unknown.error)

        let missing = try mantsim("quantize", path("nope.safetensors"))
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.error.contains("nope.safetensors: file: no such file"), missing.error)

        var values = try SyntheticTensor.llmLike(rows: 2, columns: 64, seed: 1).values
        values[70] = .infinity
        try NumpyFile.write(try Tensor(shape: [2, 64], values: values), to: path("inf.npy"))
        let infinite = try mantsim("quantize", path("inf.npy"), "--output", path("inf.mqt"))
        XCTAssertEqual(infinite.status, 1)
        XCTAssertTrue(infinite.error.contains("inf.npy") && infinite.error.contains("[1, 6]"), infinite.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("inf.mqt")))

        let badGroup = try mantsim("quantize", "--group", "0")
        XCTAssertNotEqual(badGroup.status, 0)
        XCTAssertTrue(badGroup.error.contains("--group"), badGroup.error)

        try "-1 0\n0.5 oops\n".write(toFile: path("t.txt"), atomically: true, encoding: .utf8)
        let badTable = try mantsim("quantize", "-f", "lut", "--table", path("t.txt"))
        XCTAssertNotEqual(badTable.status, 0)
        XCTAssertTrue(badTable.error.contains("t.txt: line 2"), badTable.error)

        let vq = try mantsim("quantize", "--rows", "2", "--columns", "30", "-f", "vq-8-4-1")
        XCTAssertEqual(vq.status, 1)
        XCTAssertTrue(vq.error.contains("divisible by 8"), vq.error)
    }

    func testCustomLookupTable() throws {
        try "# a learned 2-bit table\n-1, -0.3\n0.3 1\n".write(toFile: path("t.txt"), atomically: true, encoding: .utf8)
        let run = try mantsim("quantize", "--rows", "4", "--columns", "64", "-f", "lut", "--table", path("t.txt"))
        XCTAssertEqual(run.status, 0, run.error)
        XCTAssertTrue(run.output.contains("lut2/group64"), run.output)
    }

    func testVectorQuantizationScopeAxisAndSeed() throws {
        let base = ["quantize", "--rows", "64", "--columns", "64", "-f", "vq-2-4-1", "--json"]
        let tiled = try mantsim(base + ["--vq-scope", "tile32", "--vq-axis", "output"])
        XCTAssertEqual(tiled.status, 0, tiled.error)
        XCTAssertTrue(tiled.output.contains("vq<2,4,1>\\/tile32"), tiled.output)
        let seeded = try mantsim(base + ["--vq-seed", "7"])
        let reseeded = try mantsim(base + ["--vq-seed", "7"])
        let other = try mantsim(base + ["--vq-seed", "8"])
        XCTAssertEqual(seeded.output, reseeded.output)
        XCTAssertNotEqual(seeded.output, other.output)
        let bad = try mantsim(base + ["--vq-scope", "tiles"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("--vq-scope"), bad.error)
    }

    func testRTLCheckRunsTheSystemCModel() throws {
        let run = try mantsim("rtl-check", "--cycles", "250")
        XCTAssertEqual(run.status, 0, run.error)
        let line = run.output.split(separator: "\n").first { $0.hasPrefix("heartbeat.cycles") }
        XCTAssertEqual(line?.split(separator: " ").last, "250", run.output)
    }

    func testHelpTeaches() throws {
        let run = try mantsim("quantize", "--help")
        XCTAssertEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("Examples:"))
        XCTAssertTrue(run.output.contains("mantsim formats"))
    }
}
