import Foundation
import XCTest
@testable import MantNumerics

/// Every code of every format of at most 8 bits decodes to its definition.
final class FormatDefinitionTests: XCTestCase {
    private let scaleCode: UInt16 = 0x2E66  // about 0.1 in FP16
    private var scale: Float { Float(Float16(bitPattern: scaleCode)) }

    private func decodeAllCodes(_ format: any QuantizationFormat, bits: Int, metadata: [BitField]) throws -> [Float] {
        let count = 1 << bits
        let quantized = QuantizedTensor(format: format.descriptor, shape: [1, count],
                                        codes: BitField(name: "codes", bitWidth: bits, values: (0..<count).map { UInt32($0) }),
                                        metadata: metadata)
        return try format.dequantize(quantized).values
    }

    func testIntegerCodes() throws {
        for bits in 2...8 {
            let count = 1 << bits
            let symmetric = try IntegerFormat(bits: bits, symmetric: true, granularity: .channel)
            let values = try decodeAllCodes(symmetric, bits: bits, metadata: [BitField(name: "scale", bitWidth: 16, values: [UInt32(scaleCode)])])
            for code in 0..<count {
                let integer = code < count / 2 ? code : code - count  // two's complement
                XCTAssertEqual(values[code], Float(integer) * scale, "int\(bits) code \(code)")
            }
            let asymmetric = try IntegerFormat(bits: bits, symmetric: false, granularity: .channel)
            let zero = UInt32(count / 3)
            let shifted = try decodeAllCodes(asymmetric, bits: bits, metadata: [
                BitField(name: "scale", bitWidth: 16, values: [UInt32(scaleCode)]),
                BitField(name: "zero", bitWidth: bits, values: [zero])])
            for code in 0..<count { XCTAssertEqual(shifted[code], Float(code - Int(zero)) * scale) }
        }
    }

    func testANTCodesOfEveryType() throws {
        let format = try ANTFormat(granularity: .channel)
        let magnitudes: [[Float]] = [[0, 1, 2, 3, 4, 5, 6, 7], [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 4],
                                     [0, 1, 2, 4, 8, 16, 32, 64], [0, 0.5, 1, 1.5, 2, 3, 4, 6]]
        for type in 0..<4 {
            let values = try decodeAllCodes(format, bits: 4, metadata: [
                BitField(name: "scale", bitWidth: 16, values: [UInt32(scaleCode)]),
                BitField(name: "type", bitWidth: 2, values: [UInt32(type)])])
            for code in 0..<16 {
                let magnitude = magnitudes[type][code & 7] * scale
                XCTAssertEqual(values[code], code >= 8 ? -magnitude : magnitude, "type \(type) code \(code)")
            }
        }
    }

    func testOliVeNormalOutlierAndVictimCodes() throws {
        let format = try OliVeFormat(granularity: .channel)
        let abfloat: [Float] = [12, 16, 24, 32, 48, 64, 96]
        for first in 0..<16 {
            for second in 0..<16 where !(first == 8 && second == 8) {
                let quantized = QuantizedTensor(format: format.descriptor, shape: [1, 2],
                                                codes: BitField(name: "codes", bitWidth: 4, values: [UInt32(first), UInt32(second)]),
                                                metadata: [BitField(name: "scale", bitWidth: 16, values: [UInt32(scaleCode)])])
                let values = try format.dequantize(quantized).values
                func int4(_ code: Int) -> Float { Float(code < 8 ? code : code - 16) * scale }
                func outlier(_ code: Int) -> Float { (code >= 8 ? -1 : 1) * abfloat[(code & 7) - 1] * scale }
                if first == 8 {
                    XCTAssertEqual(values[0], 0)
                    if second & 7 != 0 { XCTAssertEqual(values[1], outlier(second)) }
                } else if second == 8 {
                    XCTAssertEqual(values[1], 0)
                    if first & 7 != 0 { XCTAssertEqual(values[0], outlier(first)) }
                } else {
                    XCTAssertEqual(values, [int4(first), int4(second)])
                }
            }
        }
    }

    func testOliVeKeepsTheLargerOutlierAndZeroesItsVictim() throws {
        let format = try OliVeFormat(granularity: .channel)
        var values = [Float](repeating: 0.01, count: 64)
        for index in stride(from: 0, to: 64, by: 2) { values[index] = index % 4 == 0 ? 0.01 : -0.01 }
        values[10] = 0.5; values[11] = 0.02   // outlier then a normal value: the normal one is the victim
        values[20] = -0.4; values[21] = 0.6   // two outliers: the larger wins
        let quantized = try format.quantize(try Tensor(shape: [1, 64], values: values))
        let codes = quantized.codes.values
        XCTAssertEqual(codes[11], OliVeFormat.victimCode)
        XCTAssertEqual(codes[20], OliVeFormat.victimCode)
        let decoded = try format.dequantize(quantized).values
        XCTAssertEqual(decoded[11], 0)
        XCTAssertEqual(decoded[20], 0)
        XCTAssertGreaterThan(decoded[10], 0.3)
        XCTAssertGreaterThan(decoded[21], 0.3)
    }

    func testNormalFloatCodes() throws {
        for (bits, table) in [(2, LookupTableFormat.nf2), (3, LookupTableFormat.nf3), (4, LookupTableFormat.nf4)] {
            let format = try LookupTableFormat.normalFloat(bits: bits, granularity: .channel)
            let values = try decodeAllCodes(format, bits: bits, metadata: [BitField(name: "scale", bitWidth: 16, values: [UInt32(scaleCode)])])
            for code in 0..<(1 << bits) {
                XCTAssertEqual(values[code], Float(Float16(table[code])) * scale, "nf\(bits) code \(code)")
            }
        }
    }

    func testMXFP4ElementsAndSharedScale() throws {
        let format = MXFP4Format()
        let elements: [Float] = [0, 0.5, 1, 1.5, 2, 3, 4, 6]
        for exponent in [-127, -10, 0, 3, 127] {
            let quantized = QuantizedTensor(format: format.descriptor, shape: [1, 16],
                                            codes: BitField(name: "codes", bitWidth: 4, values: (0..<16).map { UInt32($0) }),
                                            metadata: [BitField(name: "scale", bitWidth: 8, values: [UInt32(exponent + 127)])])
            let values = try format.dequantize(quantized).values
            for code in 0..<16 {
                let expected = Double(code >= 8 ? -elements[code & 7] : elements[code & 7]) * pow(2, Double(exponent))
                XCTAssertEqual(values[code], Float(expected), "code \(code) at 2^\(exponent)")
            }
        }
        // The spec's scale rule: absmax 5.0 -> floor(log2 5) - 2 = 0, so 5 rounds to 4 (tie to even).
        let block = try Tensor(shape: [1, 32], values: [5] + [Float](repeating: 0.25, count: 31))
        let quantized = try format.quantize(block)
        XCTAssertEqual(try quantized.field("scale").values, [127])
        XCTAssertEqual(try format.dequantize(quantized).values[0], 4)
        XCTAssertEqual(try format.dequantize(quantized).values[1], 0)  // 0.25 ties to 0 (even)
    }

    func testFP8ScaledCodes() throws {
        let format = try FormatCatalog.parse("fp8-e4m3").makeFormat()
        let values = try decodeAllCodes(format, bits: 8, metadata: [BitField(name: "scale", bitWidth: 16, values: [UInt32(scaleCode)])])
        for code in 0..<256 where !MiniFloat.e4m3.decode(UInt16(code)).isNaN {
            XCTAssertEqual(values[code], MiniFloat.e4m3.decode(UInt16(code)) * scale)
        }
    }

    func testBitPackingLayout() throws {
        // Eight 3-bit values 0...7 pack LSB-first into three bytes.
        let field = BitField(name: "codes", bitWidth: 3, values: (0..<8).map { UInt32($0) })
        XCTAssertEqual(BitPacking.pack(field), [0b10_001_000, 0b1_100_011_0, 0b111_110_10])
        var generator = SeededGenerator(seed: 31)
        for _ in 0..<200 {
            let width = Int(generator.next() % 32) + 1
            let count = Int(generator.next() % 100)
            let mask = width == 32 ? UInt64(UInt32.max) : (UInt64(1) << UInt64(width)) - 1
            let values = (0..<count).map { _ in UInt32(generator.next() & mask) }
            let random = BitField(name: "x", bitWidth: width, values: values)
            XCTAssertEqual(try BitPacking.unpack(BitPacking.pack(random), name: "x", bitWidth: width, count: count), random)
        }
        XCTAssertThrowsError(try BitPacking.unpack([1, 2], name: "codes", bitWidth: 3, count: 8)) {
            XCTAssertTrue("\($0)".contains("'codes'"))
        }
    }
}
