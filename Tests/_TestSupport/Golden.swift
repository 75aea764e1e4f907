import Foundation
import XCTest

/// Golden files: expected outputs stored next to the tests that produce them, compared on every
/// run and re-recorded only by `make golden` (MANTSIM_RECORD_GOLDEN=1), never edited by hand.
public enum Golden {
    public static var isRecording: Bool { ProcessInfo.processInfo.environment["MANTSIM_RECORD_GOLDEN"] == "1" }

    public static func assertMatches(_ text: String, file name: String, directory: URL,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = directory.appendingPathComponent(name)
        if isRecording {
            try text.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: golden, encoding: .utf8) else {
            return XCTFail("missing golden file \(golden.path); record it with `make golden`", file: file, line: line)
        }
        XCTAssertEqual(text, expected, "output moved from \(golden.lastPathComponent); if that is intended, run `make golden` and say why in the commit",
                       file: file, line: line)
    }
}
