import Foundation
import XCTest
@testable import MantConfig

/// Config files built to hurt: each is refused at once with the file named, before the parser
/// recurses or expands anything.
final class HostileConfigTests: XCTestCase {
    private func refusal(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try ArchitectureConfig.parse(text, path: "hostile.yaml")
            XCTFail("accepted", file: file, line: line)
            return ""
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("hostile.yaml: "), "\(error)", file: file, line: line)
            return "\(error)"
        }
    }

    func testAliasBombsAreRefusedBeforeTheyExpand() {
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        // Nine levels of nine: 387 million values if built; under an unknown key as well.
        XCTAssertTrue(refusal("name: x\nunknown:\n  " + text.replacingOccurrences(of: "\n", with: "\n  ")).contains("expands to more than 100000 values"))
        // A few aliases are fine (and the file's other problems are reported).
        XCTAssertFalse(refusal("name: &n x\nother: *n\n").contains("expands"))
    }

    func testDeepNestingIsRefusedBeforeTheParserRecurses() {
        XCTAssertTrue(refusal("a: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).contains("line 1 nests deeper than 256"))
        XCTAssertTrue(refusal("a:\n" + String(repeating: "- ", count: 3000) + "x\n").contains("line 2 nests deeper than 256"))
        XCTAssertTrue(refusal("a: {b: {c: 1}}\n" + String(repeating: "{", count: 300)).contains("nests deeper"))
        // Brackets inside quotes and comments do not count.
        XCTAssertFalse(refusal("name: \"" + String(repeating: "[", count: 400) + "\" # " + String(repeating: "{", count: 400) + "\n").contains("nests deeper"))
    }

    func testNumbersOutsideTheirRangeAreRefused() throws {
        let text = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/arch/int8.yaml").path, encoding: .utf8)
        XCTAssertTrue(refusal(text.replacingOccurrences(of: "clock_mhz: 500", with: "clock_mhz: 1e-300")).contains("clock_mhz: expected a positive number from 1.0 to 100000.0"))
        XCTAssertTrue(refusal(text.replacingOccurrences(of: "clock_mhz: 500", with: "clock_mhz: 1e308")).contains("clock_mhz"))
    }

    func testKeysThatAreNotTextAreRefused() {
        for text in ["name: x\n[a]: 1\n", "name: x\n? {b: 2}\n: 3\n", "base: &b {rows: 8}\narray:\n  <<: *b\n"] {
            XCTAssertTrue(refusal(text).contains("keys must be plain text"), text)
        }
    }

    func testDuplicateKeysAreRefusedWithTheirLine() {
        let message = refusal("name: a\npe: int\nname: b\narray: {rows: 8, rows: 16}\n")
        XCTAssertTrue(message.contains("line 3: key 'name' appears twice"), message)
        XCTAssertTrue(message.contains("line 4: key 'rows' appears twice"), message)
    }

    func testHugeFilesAndEndlessProblemListsAreCut() {
        XCTAssertTrue(refusal("name: x\n" + String(repeating: "# padding\n", count: 120_000)).contains("at most 1048576"))
        let keys = (0..<570).map { "unknown_\($0): 1" }.joined(separator: "\n")
        let message = refusal("name: x\npe: int\n" + keys + "\n")
        XCTAssertEqual(message.split(separator: "\n").count, ConfigError.shownProblems + 1)
        XCTAssertTrue(message.hasSuffix("more problems"), message)
    }
}
