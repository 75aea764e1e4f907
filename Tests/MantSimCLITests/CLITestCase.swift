import Foundation
import XCTest
import _TestSupport

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
    /// Where the binary keeps its caches (XDG_CACHE_HOME): one folder for the whole test run, so
    /// that each architecture's perplexity on the shipped model is computed once; a test that
    /// needs a cache of its own sets this.
    var cacheHome = CLITestCase.sharedCacheHome
    static let sharedCacheHome = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-cli-cache-\(ProcessInfo.processInfo.processIdentifier)").path

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
        // Caches (perplexity) go to the test run's folder, never the user's.
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = cacheHome
        process.environment = environment
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

    func assertMatchesGolden(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().appendingPathComponent("Golden")
        try Golden.assertMatches(text, file: name, directory: directory, file: file, line: line)
    }
}
