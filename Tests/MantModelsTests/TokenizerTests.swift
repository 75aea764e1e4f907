import XCTest
@testable import MantModels

final class TokenizerTests: XCTestCase {
    func testByteCharactersAreGPT2sTable() {
        let table = BPETokenizer.byteCharacters
        XCTAssertEqual(Set(table).count, 256)
        XCTAssertEqual(table[Int(UInt8(ascii: "A"))], "A")
        XCTAssertEqual(table[0x20], "Ġ")
        XCTAssertEqual(table[0x0A], "Ċ")
        XCTAssertEqual(table[0], "Ā")
    }
}
