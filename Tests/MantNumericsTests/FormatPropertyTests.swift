import Foundation
import XCTest
@testable import MantNumerics

/// Properties every format in the catalog must have.
final class FormatPropertyTests: XCTestCase {
    private func everyFormat() throws -> [any QuantizationFormat] {
        try FormatCatalog.allDefault.map { try FormatCatalog.parse($0).makeFormat() }
            + [try FormatCatalog.parse("int4-asym", granularity: .channel).makeFormat(),
               try FormatCatalog.parse("int8", granularity: .tensor).makeFormat(),
               try FormatCatalog.parse("mant4", granularity: .group(128)).makeFormat(),
               try FormatCatalog.parse("lut", table: [-1, -0.25, 0.25, 1]).makeFormat()]
    }

    func testPackingRoundTripsEveryFieldOfEveryFormat() throws {
        let tensor = randomTensor(rows: 16, columns: 256, seed: 21)
        for format in try everyFormat() {
            let quantized = try format.quantize(tensor)
            for field in [quantized.codes] + quantized.metadata {
                let bytes = BitPacking.pack(field)
                XCTAssertEqual(bytes.count, BitPacking.byteCount(count: field.values.count, bitWidth: field.bitWidth))
                XCTAssertEqual(try BitPacking.unpack(bytes, name: field.name, bitWidth: field.bitWidth, count: field.values.count),
                               field, "\(format.name) field \(field.name)")
            }
            XCTAssertEqual(try format.dequantize(quantized).shape, tensor.shape, format.name)
        }
    }

    /// quantize(dequantize(q)) == q for every format whose scale is a function of the values it
    /// stores. OliVe (scale from mean and sigma), asymmetric INT (zero point) and VQ (retrained
    /// codebooks) are not idempotent by design; for them decoding twice must give the same values.
    func testRequantizingTheDecodedTensorGivesTheSameCodes() throws {
        let tensor = randomTensor(rows: 8, columns: 256, seed: 22)
        for format in try everyFormat() {
            let quantized = try format.quantize(tensor)
            let decoded = try format.dequantize(quantized)
            let again = try format.quantize(decoded)
            switch format.descriptor.kind {
            case .olive, .vq: continue
            case .int where !format.descriptor.symmetric: continue
            default: XCTAssertEqual(again, quantized, format.name)
            }
        }
    }

    func testQuantizationIsDeterministicAcrossRuns() throws {
        let tensor = randomTensor(rows: 32, columns: 128, seed: 23)
        for format in try everyFormat() {
            XCTAssertEqual(try format.quantize(tensor), try format.quantize(tensor), format.name)
        }
    }

    func testNonFiniteValuesAreRejectedWithTheirIndex() throws {
        var values = randomTensor(rows: 4, columns: 64, seed: 24).values
        values[2 * 64 + 5] = .nan
        let tensor = try Tensor(shape: [4, 64], values: values)
        for format in try everyFormat() {
            XCTAssertThrowsError(try format.quantize(tensor), format.name) { error in
                guard case .nonFiniteValue(let index, let value)? = error as? QuantizationError else {
                    return XCTFail("unexpected \(error)")
                }
                XCTAssertEqual(index, [2, 5])
                XCTAssertTrue(value.isNaN)
            }
        }
        values[2 * 64 + 5] = -.infinity
        XCTAssertThrowsError(try MANTFormat().quantize(try Tensor(shape: [4, 64], values: values)))
    }

    func testImpossibleShapesAndParametersAreNamed() {
        XCTAssertThrowsError(try Tensor(shape: [0, 4], values: []))
        XCTAssertThrowsError(try Tensor(shape: [2, 3], values: [1, 2]))
        XCTAssertThrowsError(try MANTFormat(bits: 5)) { XCTAssertTrue("\($0)".contains("bits")) }
        XCTAssertThrowsError(try IntegerFormat(bits: 9))
        XCTAssertThrowsError(try MANTFormat(granularity: .group(0))) { XCTAssertTrue("\($0)".contains("group")) }
        XCTAssertThrowsError(try FormatCatalog.parse("int4", granularity: .group(-3)).makeFormat())
        XCTAssertThrowsError(try FormatCatalog.parse("mant5")) { XCTAssertTrue("\($0)".contains("unknown format 'mant5'")) }
        XCTAssertThrowsError(try FormatCatalog.parse("lut")) { XCTAssertTrue("\($0)".contains("table")) }
        XCTAssertThrowsError(try LookupTableFormat(table: [1, 2, 3], name: "bad")) { XCTAssertTrue("\($0)".contains("2^b")) }
        XCTAssertThrowsError(try FormatCatalog.parse("vq-3-8-1")) { XCTAssertTrue("\($0)".contains("vectorLength")) }
    }

    /// Orderings that hold by construction: more bits never hurt the same uniform grid, and M-ANT
    /// contains its own INT4 grid.
    func testErrorOrderingsThatFollowFromTheDefinitions() throws {
        let tensor = try SyntheticTensor.llmLike(rows: 64, columns: 512, seed: 25)
        func error(_ name: String, _ granularity: Granularity? = nil) throws -> Double {
            let format = try FormatCatalog.parse(name, granularity: granularity).makeFormat()
            return try QuantizationStats(original: tensor, reconstructed: format.dequantize(format.quantize(tensor)),
                                         bitsPerWeight: 0).meanSquaredError
        }
        XCTAssertLessThan(try error("int8"), try error("int4"))
        XCTAssertLessThan(try error("int4"), try error("int3"))
        XCTAssertLessThan(try error("int3"), try error("int2"))
        XCTAssertLessThan(try error("mant4"), try error("int4"))
        XCTAssertLessThan(try error("mant3"), try error("int3"))
        XCTAssertLessThan(try error("fp16"), try error("fp8-e4m3"))
        XCTAssertLessThan(try error("int4", .group(32)), try error("int4", .channel))
    }

    func testStatsOfAnExactReconstruction() throws {
        let tensor = try Tensor(shape: [2, 2], values: [1, -2, 0.5, 4])
        let stats = QuantizationStats(original: tensor, reconstructed: tensor, bitsPerWeight: 16)
        XCTAssertEqual(stats.meanSquaredError, 0)
        XCTAssertNil(stats.sqnrDecibels)
        let noisy = try Tensor(shape: [2, 2], values: [1, -2, 0.5, 3])
        let noisyStats = QuantizationStats(original: tensor, reconstructed: noisy, bitsPerWeight: 16)
        XCTAssertEqual(noisyStats.maxAbsoluteError, 1)
        XCTAssertEqual(noisyStats.sqnrDecibels!, 10 * log10(21.25), accuracy: 1e-12)
    }
}
