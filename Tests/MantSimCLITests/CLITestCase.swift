import Foundation
import XCTest

/// Runs the real `mantsim` binary as a subprocess, as a user would.
class CLITestCase: XCTestCase {
    struct Run {
        var status: Int32
        var output: String
        var error: String
    }

    static var binary: URL {
        // The test runner lives in the build products directory, next to the executable.
        let runner = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return runner.deletingLastPathComponent().appendingPathComponent("mantsim")
    }

    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    func mantsim(_ arguments: String...) throws -> Run { try mantsim(arguments) }

    func mantsim(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = CLITestCase.binary
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                   error: String(decoding: errorData, as: UTF8.self))
    }

    /// Compares against a stored file; `MANTSIM_RECORD_GOLDEN=1` re-records it from this run.
    func assertMatchesGolden(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
            .appendingPathComponent("Golden").appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["MANTSIM_RECORD_GOLDEN"] == "1" {
            try text.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: golden, encoding: .utf8) else {
            return XCTFail("missing golden file \(golden.path); record it with MANTSIM_RECORD_GOLDEN=1 make test", file: file, line: line)
        }
        XCTAssertEqual(text, expected, "output moved from \(golden.lastPathComponent)", file: file, line: line)
    }
}
