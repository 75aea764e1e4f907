import XCTest
@testable import MantNumerics

final class JoiningTests: XCTestCase {
    /// Groups are independent: quantizing column blocks of whole groups and joining them gives
    /// exactly the codes and metadata of quantizing the whole matrix.
    func testJoiningColumnBlocksEqualsQuantizingTheWhole() throws {
        let whole = try SyntheticTensor.llmLike(rows: 6, columns: 200, seed: 11)
        func columns(_ range: Range<Int>) throws -> Tensor {
            var values = [Float]()
            for row in 0..<6 { values += whole.values[(row * 200 + range.lowerBound)..<(row * 200 + range.upperBound)] }
            return try Tensor(shape: [6, range.count], values: values)
        }
        for name in ["mant4", "int4", "int8", "ant4", "olive4", "mxfp4", "fp16", "nf4"] {
            let granularity: Granularity? = ["ant4", "olive4", "int8"].contains(name) ? .group(64) : nil
            let format = try FormatCatalog.parse(name, granularity: granularity).makeFormat()
            let parts = try [columns(0..<64), columns(64..<192), columns(192..<200)].map { try format.quantize($0) }
            XCTAssertEqual(try QuantizedTensor.joiningColumns(parts), try format.quantize(whole), name)
        }
    }

    func testJoiningRefusesWhatWouldSplitAGroupOrMixFormats() throws {
        let tensor = try SyntheticTensor.llmLike(rows: 2, columns: 96, seed: 3)
        let int4 = try FormatCatalog.parse("int4").makeFormat().quantize(tensor)
        XCTAssertThrowsError(try QuantizedTensor.joiningColumns([int4, int4])) { XCTAssertTrue("\($0)".contains("split a group")) }
        let channel = try FormatCatalog.parse("int8", granularity: .channel).makeFormat().quantize(tensor)
        XCTAssertThrowsError(try QuantizedTensor.joiningColumns([channel, channel])) { XCTAssertTrue("\($0)".contains("group-wise")) }
        let mant = try FormatCatalog.parse("mant4").makeFormat().quantize(try SyntheticTensor.llmLike(rows: 2, columns: 64, seed: 3))
        XCTAssertThrowsError(try QuantizedTensor.joiningColumns([mant, int4])) { XCTAssertTrue("\($0)".contains("cannot join")) }
        XCTAssertThrowsError(try QuantizedTensor.joiningColumns([])) { XCTAssertTrue("\($0)".contains("nothing to join")) }
    }
}
