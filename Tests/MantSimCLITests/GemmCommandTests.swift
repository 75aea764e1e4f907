import Foundation
import XCTest

final class GemmCommandTests: CLITestCase {
    static var arch: String {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/arch").path
    }

    func testGemmMatchesTheReferenceAndReportsJSON() throws {
        for file in ["mant", "int4", "fp16", "olive"] {
            let run = try mantsim("gemm", "--arch", "\(GemmCommandTests.arch)/\(file).yaml", "-M", "3", "-K", "96", "-N", "40",
                                  "--check", "--json", "--dataflow", "os")
            XCTAssertEqual(run.status, 0, run.error)
            let report = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as! [String: Any]
            XCTAssertEqual(report["bitExact"] as? Bool, true, file)
            let counters = report["counters"] as! [String: UInt64]
            let macs = counters.filter { $0.key.hasPrefix("pe.mac_") }.values.reduce(0, +)
            XCTAssertEqual(macs, 3 * 96 * 40, file)
            XCTAssertGreaterThan(report["totalCycles"] as! Int, 0)
        }
    }

    func testVCDTraceIsWrittenWhole() throws {
        let vcd = path("t.vcd")
        let run = try mantsim("gemm", "--arch", "\(GemmCommandTests.arch)/mant.yaml", "-M", "2", "-K", "64", "-N", "32",
                              "--vcd", vcd, "--vcd-row", "3")
        XCTAssertEqual(run.status, 0, run.error)
        let text = try String(contentsOfFile: vcd, encoding: .utf8)
        XCTAssertTrue(text.contains("$enddefinitions $end"))
        XCTAssertTrue(text.contains("$scope module pe_row3 $end"))
        XCTAssertEqual(text.components(separatedBy: "$var wire").count - 1, 7 + 2 * 32)
        // Tiles overlap: the controller shows two in flight at once.
        let inFlight = text.split(separator: "\n").first { $0.contains("tiles_in_flight") }!.split(separator: " ")[3]
        XCTAssertTrue(text.contains("b00000010 \(inFlight)\n"), "no cycle with two tiles in flight")
        let times = text.split(separator: "\n").filter { $0.hasPrefix("#") }.compactMap { UInt64($0.dropFirst()) }
        XCTAssertEqual(times, times.sorted())
        XCTAssertGreaterThan(times.count, 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: vcd + ".partial"))

        let big = try mantsim("gemm", "--arch", "\(GemmCommandTests.arch)/mant.yaml", "-M", "64", "-K", "4096", "-N", "4096",
                              "--vcd", path("big.vcd"))
        XCTAssertNotEqual(big.status, 0)
        XCTAssertTrue(big.error.contains("small jobs"), big.error)
        let row = try mantsim("gemm", "--arch", "\(GemmCommandTests.arch)/mant.yaml", "-M", "2", "-K", "64", "-N", "32",
                              "--vcd", path("row.vcd"), "--vcd-row", "40")
        XCTAssertNotEqual(row.status, 0)
        XCTAssertTrue(row.error.contains("outside the array"), row.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("row.vcd")))
    }

    func testBadArchitectureAndFormat() throws {
        try "pe: mant\narray: {rows: 0}\n".write(toFile: path("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try mantsim("gemm", "--arch", path("bad.yaml"), "-M", "1", "-K", "8", "-N", "8")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.error.contains("bad.yaml: array.rows"), bad.error)
        XCTAssertTrue(bad.error.contains("bad.yaml: buffers: missing"), bad.error)
        let mismatch = try mantsim("gemm", "--arch", "\(GemmCommandTests.arch)/mant.yaml", "--format", "int4", "-M", "1", "-K", "8", "-N", "8")
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.error.contains("does not run on the mant array"), mismatch.error)
    }
}
