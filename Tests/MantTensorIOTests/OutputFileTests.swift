import Foundation
import XCTest
@testable import MantTensorIO

/// The one output writer: whole files or nothing, never over a link, device, FIFO or folder,
/// unique temporaries so concurrent writers cannot mix their bytes.
final class OutputFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    private func leftovers() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") } }

    func testOnlyRegularFilesAreReplaced() throws {
        let original = path("kept.txt")
        try OutputFile.write("kept", to: original)
        try OutputFile.write("replaced", to: original)
        XCTAssertEqual(try String(contentsOfFile: original, encoding: .utf8), "replaced")

        let link = path("link.txt")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: original)
        let fifo = path("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let folder = path("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        for (target, kind) in [(link, "a symbolic link"), (fifo, "a FIFO"), (folder, "a folder")] {
            XCTAssertThrowsError(try OutputFile.write("x", to: target)) {
                XCTAssertTrue("\($0)".contains(target) && "\($0)".contains("is not a regular file (\(kind))"), "\($0)")
            }
        }
        // The link, the FIFO and what the link points at are untouched.
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), original)
        XCTAssertEqual(try String(contentsOfFile: original, encoding: .utf8), "replaced")
        var status = stat()
        XCTAssertEqual(lstat(fifo, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO)

        XCTAssertThrowsError(try OutputFile.write("x", to: path("missing/x.txt"))) { XCTAssertTrue("\($0)".contains("does not exist"), "\($0)") }
        XCTAssertThrowsError(try OutputFile.write("x", to: "")) { XCTAssertTrue("\($0)".contains("empty path"), "\($0)") }
        XCTAssertEqual(try leftovers(), [])
    }

    func testConcurrentWritersLeaveOneWholeFile() throws {
        let target = path("shared.txt")
        let contents = (0..<4).map { String(repeating: "\($0)", count: 200_000) }
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            try? OutputFile.write(contents[index % 4], to: target)
        }
        XCTAssertTrue(contents.contains(try String(contentsOfFile: target, encoding: .utf8)))
        XCTAssertEqual(try leftovers(), [])
    }

    func testTemporariesAreUniqueAndDiscarded() throws {
        let target = path("t.txt")
        let first = try OutputFile.temporary(for: target), second = try OutputFile.temporary(for: target)
        XCTAssertNotEqual(first, second)
        OutputFile.discard(first)
        try Data("whole".utf8).write(to: URL(fileURLWithPath: second))
        try OutputFile.commit(second, to: target)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "whole")
        XCTAssertEqual(try leftovers(), [])
    }
}
