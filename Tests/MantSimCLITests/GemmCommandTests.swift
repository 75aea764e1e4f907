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

    /// SCALE-Sim's GEMM topology files run unchanged: one row per layer, as a table, CSV or JSON.
    func testTopologyFileRunsEveryLayer() throws {
        let topology = path("layers.csv")
        try "Layer, M, N, K,\nqkv, 4, 96, 64,\n\nffn, 1, 64, 128,\n".write(toFile: topology, atomically: true, encoding: .utf8)
        let arch = "\(GemmCommandTests.arch)/int8.yaml"
        let csv = try mantsim("gemm", "--arch", arch, "--topology", topology, "--csv", "--timing", "serial")
        XCTAssertEqual(csv.status, 0, csv.error)
        let lines = csv.output.split(separator: "\n")
        XCTAssertEqual(lines.first, "layer,M,N,K,cycles,compute_cycles,stall_cycles,utilization,dram_read_bytes,dram_write_bytes")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[1].hasPrefix("qkv,4,96,64,"), String(lines[1]))
        XCTAssertTrue(lines[2].hasPrefix("ffn,1,64,128,"), String(lines[2]))
        let json = try mantsim("gemm", "--arch", arch, "--topology", topology, "--json")
        XCTAssertEqual(json.status, 0, json.error)
        let layers = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [[String: Any]]
        XCTAssertEqual(layers.map { $0["layer"] as! String }, ["qkv", "ffn"])
        XCTAssertEqual(layers.map { $0["timing"] as! String }, ["pipelined", "pipelined"])
        // Serial folds never beat the pipelined schedule.
        let serialCycles = lines.dropFirst().map { Int($0.split(separator: ",")[4])! }
        XCTAssertEqual(zip(serialCycles, layers.map { $0["totalCycles"] as! Int }).filter { $0 < $1 }.count, 0)
        let table = try mantsim("gemm", "--arch", arch, "--topology", topology)
        XCTAssertTrue(table.output.contains("timing pipelined"), table.output)
    }

    func testBadTopologyFilesNameTheLineAndField() throws {
        let arch = "\(GemmCommandTests.arch)/int8.yaml"
        let cases = [("empty.csv", "", "empty; expected a header 'Layer, M, N, K,'"),
                     ("header.csv", "Name, M, K\n", "line 1: expected the header 'Layer, M, N, K,'"),
                     ("short.csv", "Layer, M, N, K,\na, 4, 8,\n", "line 2: expected 4 fields (Layer, M, N, K), got 3"),
                     ("word.csv", "Layer, M, N, K,\na, 4, x, 8,\n", "line 2, column N: expected a positive whole number, got 'x'"),
                     ("zero.csv", "Layer, M, N, K,\na, 4, 8, 0,\n", "line 2, column K: expected a positive whole number, got '0'"),
                     ("negative.csv", "Layer, M, N, K,\na, -4, 8, 8,\n", "line 2, column M: expected a positive whole number, got '-4'"),
                     // The shape limits of -M/-K/-N hold for every row.
                     ("huge.csv", "Layer, M, N, K,\nok, 2, 2, 2,\nbig, 9223372036854775807, 2, 2,\n", "line 3: layer big: at most 1048576 each"),
                     ("cube.csv", "Layer, M, N, K,\ncube, 1048576, 1048576, 1048576,\n", "line 2: layer cube: at most 1048576 each and 2^28 values")]
        for (name, text, message) in cases {
            let file = path(name)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let run = try mantsim("gemm", "--arch", arch, "--topology", file)
            XCTAssertNotEqual(run.status, 0, name)
            XCTAssertTrue(run.error.contains(file), run.error)
            XCTAssertTrue(run.error.contains(message), "\(name): \(run.error)")
            XCTAssertEqual(run.output, "", name)
        }
        let missing = try mantsim("gemm", "--arch", arch, "--topology", path("absent.csv"))
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.error.contains("absent.csv: cannot be read"), missing.error)
        let timing = try mantsim("gemm", "--arch", arch, "--timing", "overlapped")
        XCTAssertNotEqual(timing.status, 0)
        XCTAssertTrue(timing.error.contains("'pipelined' and 'serial'"), timing.error)
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
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains("partial") }, [])
    }

    /// --vcd goes through the one output writer: a folder or a link is refused before the run, and
    /// SIGTERM during the run leaves no file behind.
    func testVCDRefusesNonRegularTargetsAndLeavesNothingWhenInterrupted() throws {
        let args = ["gemm", "--arch", "\(GemmCommandTests.arch)/mant.yaml", "-M", "2", "-K", "64", "-N", "32"]
        let folder = path("folder.vcd")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let link = path("link.vcd"), kept = path("kept.txt")
        try "kept".write(toFile: kept, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: kept)
        for (target, kind) in [(folder, "a folder"), (link, "a symbolic link")] {
            let run = try mantsim(args + ["--vcd", target])
            XCTAssertNotEqual(run.status, 0)
            XCTAssertTrue(run.error.contains("--vcd") && run.error.contains(target) && run.error.contains(kind), run.error)
        }
        XCTAssertEqual(try String(contentsOfFile: kept, encoding: .utf8), "kept")

        // A trace near the size limit: SIGTERM, SIGHUP or SIGQUIT once its temporary file exists.
        func temporaries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains("partial") } }
        for signal in [SIGTERM, SIGHUP, SIGQUIT] {
            let process = Process()
            process.executableURL = CLITestCase.binary
            process.arguments = ["gemm", "--arch", "\(GemmCommandTests.arch)/mant.yaml", "-M", "64", "-K", "1024", "-N", "1024", "--vcd", path("cut.vcd")]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var waited = 0
            while try temporaries().isEmpty && process.isRunning && waited < 2000 {
                usleep(5000)
                waited += 1
            }
            guard process.isRunning else { throw XCTSkip("the job ended before it could be interrupted") }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "signal \(signal)")
            XCTAssertEqual(try temporaries(), [], "signal \(signal)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("cut.vcd")))
        }
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
