import Foundation
import XCTest
@testable import MantNumerics

final class MANTFormatTests: XCTestCase {
    /// Every (selector, sign, index) decodes to (-1)^s * S * (a*i + 2^i), or (-1)^s * S * i for the
    /// linear selector, for 3 and 4 bits and several scales.
    func testEverySelectorAndCodeDecodesToItsDefinition() throws {
        for bits in [3, 4] {
            let format = try MANTFormat(bits: bits, granularity: .group(1 << bits))
            let magnitudeBits = bits - 1
            for scaleCode: UInt16 in [0x3C00, 0x2E66, 0x1400, 0x0001, 0x7BFF] {
                for selector in 0..<16 {
                    let codes = (0..<(1 << bits)).map { UInt32($0) }
                    let quantized = QuantizedTensor(
                        format: format.descriptor, shape: [1, 1 << bits],
                        codes: BitField(name: "codes", bitWidth: bits, values: codes),
                        metadata: [BitField(name: "scale", bitWidth: 16, values: [UInt32(scaleCode)]),
                                   BitField(name: "selector", bitWidth: 4, values: [UInt32(selector)])])
                    let decoded = try format.dequantize(quantized).values
                    let scale = Double(Float(Float16(bitPattern: scaleCode)))
                    for code in codes {
                        let i = Int(code) & ((1 << magnitudeBits) - 1)
                        let negative = code >> UInt32(magnitudeBits) == 1
                        let magnitude = selector == 15 ? Double(i) : Double(MANTFormat.coefficients[selector] * i + (1 << i))
                        let expected = Float((negative ? -1 : 1) * magnitude * scale)
                        XCTAssertEqual(decoded[Int(code)], expected, "bits \(bits) selector \(selector) code \(code)")
                    }
                }
            }
        }
    }

    /// Independent check of the selection: for each candidate, quantize the group in binary64 by
    /// brute-force nearest level and compare the squared errors.
    func testChosenSelectorHasTheLowestError() throws {
        let format = try MANTFormat(bits: 4, granularity: .group(64))
        let tensor = randomTensor(rows: 24, columns: 256, seed: 7)
        let quantized = try format.quantize(tensor)
        let selectors = try quantized.field("selector").values
        let layout = GroupLayout(shape: tensor.shape, granularity: format.granularity)
        for group in 0..<layout.groupCount {
            let values = Array(tensor.values[layout.range(of: group)])
            let absmax = values.map(\.magnitude).max()!
            let errors = (0..<16).map { selector -> Double in
                let levels = MANTFormat.grid(selector: selector, bits: 4).levels.map(Double.init)
                let scale = Double(Float(Float16(absmax / Float(levels.last!))))
                return values.reduce(0.0) { sum, x in
                    let nearest = levels.min { abs(abs(Double(x)) - $0 * scale) < abs(abs(Double(x)) - $1 * scale) }!
                    return sum + pow(abs(Double(x)) - nearest * scale, 2)
                }
            }
            let chosen = errors[Int(selectors[group])]
            let best = errors.min()!
            XCTAssertLessThanOrEqual(chosen, best * (1 + 1e-5), "group \(group)")
            XCTAssertLessThanOrEqual(chosen, errors[MANTFormat.linearSelector] * (1 + 1e-5), "group \(group) worse than INT4")
        }
    }

    func testNeverWorseThanItsOwnINT4Candidate() throws {
        let tensor = randomTensor(rows: 64, columns: 512, seed: 11)
        let mant = try MANTFormat(bits: 4, granularity: .group(64))
        let int4 = try IntegerFormat(bits: 4, symmetric: true, granularity: .group(64))
        let mantError = meanSquaredError(tensor.values, try mant.dequantize(mant.quantize(tensor)).values)
        let intError = meanSquaredError(tensor.values, try int4.dequantize(int4.quantize(tensor)).values)
        XCTAssertLessThan(mantError, intError)
        // Per group too, with the format's own error measure.
        let layout = GroupLayout(shape: tensor.shape, granularity: mant.granularity)
        tensor.values.withUnsafeBufferPointer { buffer in
            for group in 0..<layout.groupCount {
                let values = UnsafeBufferPointer(rebasing: buffer[layout.range(of: group)])
                let choice = mant.choose(values)
                let linear = mant.grids[MANTFormat.linearSelector]
                let linearScale = MiniFloat.fp16.round(SignMagnitude.absoluteMaximum(values) / 7)
                XCTAssertLessThanOrEqual(choice.error, SignMagnitude.squaredError(values, grid: linear, scale: linearScale))
            }
        }
    }

    func testAllZeroGroupDecodesToZero() throws {
        let format = try MANTFormat(bits: 4, granularity: .group(64))
        var values = randomTensor(rows: 1, columns: 128, seed: 3).values
        for index in 0..<64 { values[index] = 0 }
        let quantized = try format.quantize(try Tensor(shape: [1, 128], values: values))
        XCTAssertEqual(try quantized.field("scale").values[0], 0)
        XCTAssertEqual(try quantized.field("selector").values[0], 0)
        XCTAssertEqual(Array(try format.dequantize(quantized).values[0..<64]), [Float](repeating: 0, count: 64))
    }

    func testPartialLastGroupAndThreeBits() throws {
        let format = try MANTFormat(bits: 3, granularity: .group(64))
        let tensor = randomTensor(rows: 5, columns: 100, seed: 5)
        let quantized = try format.quantize(tensor)
        XCTAssertEqual(try quantized.field("scale").values.count, 10)
        XCTAssertEqual(quantized.bitsPerWeight, Double(500 * 3 + 10 * 20) / 500)
        let decoded = try format.dequantize(quantized)
        XCTAssertEqual(try format.quantize(decoded), quantized)
    }

    func testBitsPerWeightOfTheDefault() throws {
        let quantized = try MANTFormat().quantize(randomTensor(rows: 4, columns: 256, seed: 1))
        XCTAssertEqual(quantized.bitsPerWeight, 4 + 20.0 / 64)
    }

    func testSelectorHistogramCountsEveryGroup() throws {
        let quantized = try MANTFormat().quantize(randomTensor(rows: 8, columns: 512, seed: 9))
        let histogram = try MANTFormat.selectorHistogram(quantized)
        XCTAssertEqual(histogram.reduce(0, +), 64)
        XCTAssertGreaterThan(histogram.filter { $0 > 0 }.count, 1, "a heavy-tailed tensor should use several a values")
    }
}
