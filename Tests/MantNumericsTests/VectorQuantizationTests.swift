import XCTest
@testable import MantNumerics

final class VectorQuantizationTests: XCTestCase {
    func testEntriesAreOrderedHottestFirst() throws {
        let format = try VectorQuantizationFormat(config: VectorQuantizationConfig(vectorLength: 4, indexBits: 6, stages: 1))
        let quantized = try format.quantize(randomTensor(rows: 32, columns: 128, seed: 41))
        var uses = [Int](repeating: 0, count: 64)
        for code in quantized.codes.values { uses[Int(code)] += 1 }
        XCTAssertEqual(uses, uses.sorted(by: >), "index 0 must be the most used entry")
        XCTAssertEqual(quantized.bitsPerWeight, (1024.0 * 6 + 64 * 4 * 16) / 4096)
    }

    func testResidualStageReducesTheError() throws {
        let tensor = randomTensor(rows: 32, columns: 128, seed: 42)
        func error(stages: Int) throws -> Double {
            let format = try VectorQuantizationFormat(config: VectorQuantizationConfig(vectorLength: 4, indexBits: 6, stages: stages))
            return meanSquaredError(tensor.values, try format.dequantize(format.quantize(tensor)).values)
        }
        XCTAssertLessThan(try error(stages: 2), try error(stages: 1) * 0.8)
    }

    func testDecodingSumsTheStagesOfTheRightScope() throws {
        for scope: VectorQuantizationConfig.Scope in [.tensor, .tile(32), .channelGroup(8)] {
            for axis in VectorQuantizationConfig.Axis.allCases {
                let config = VectorQuantizationConfig(vectorLength: 2, indexBits: 4, stages: 2, scope: scope, axis: axis)
                let format = try VectorQuantizationFormat(config: config)
                let tensor = randomTensor(rows: 16, columns: 64, seed: 43)
                let quantized = try format.quantize(tensor)
                let book = try quantized.field("codebook").values.map { MiniFloat.fp16.decode(UInt16($0)) }
                let layout = VectorQuantizationFormat.VectorLayout(rows: 16, columns: 64, config: config)
                let decoded = try format.dequantize(quantized).values
                for vector in [0, 5, layout.vectorCount - 1] {
                    let s = layout.scope(of: vector)
                    for offset in 0..<2 {
                        let first = book[((s * 2 + 0) * 16 + Int(quantized.codes.values[vector * 2])) * 2 + offset]
                        let second = book[((s * 2 + 1) * 16 + Int(quantized.codes.values[vector * 2 + 1])) * 2 + offset]
                        XCTAssertEqual(decoded[layout.element(vector, offset)], first + second, "\(scope) \(axis)")
                    }
                }
                // A good codebook lands close: error well below the signal.
                let signal = tensor.values.reduce(0.0) { $0 + Double($1 * $1) } / Double(tensor.count)
                XCTAssertLessThan(meanSquaredError(tensor.values, decoded), signal * 0.5)
            }
        }
    }

    func testFewerVectorsThanEntriesStillWorks() throws {
        let format = try VectorQuantizationFormat(config: VectorQuantizationConfig(vectorLength: 2, indexBits: 8, stages: 1))
        let tensor = randomTensor(rows: 2, columns: 8, seed: 44)
        let decoded = try format.dequantize(format.quantize(tensor)).values
        for (x, y) in zip(tensor.values, decoded) { XCTAssertEqual(x, y, accuracy: abs(x) * 1e-3) }
    }

    func testSameSeedSameBytesOtherSeedOtherCodebook() throws {
        let tensor = randomTensor(rows: 16, columns: 64, seed: 45)
        let a = try VectorQuantizationFormat(config: VectorQuantizationConfig(vectorLength: 4, indexBits: 5, stages: 1, seed: 1))
        let b = try VectorQuantizationFormat(config: VectorQuantizationConfig(vectorLength: 4, indexBits: 5, stages: 1, seed: 2))
        XCTAssertEqual(try a.quantize(tensor), try a.quantize(tensor))
        XCTAssertNotEqual(try a.quantize(tensor).metadata, try b.quantize(tensor).metadata)
    }

    func testShapesThatDoNotHoldWholeVectorsAreRejected() throws {
        let format = try VectorQuantizationFormat(config: VectorQuantizationConfig(vectorLength: 8, indexBits: 4, stages: 1))
        XCTAssertThrowsError(try format.quantize(randomTensor(rows: 2, columns: 12, seed: 46))) {
            XCTAssertTrue("\($0)".contains("divisible by 8"), "\($0)")
        }
        XCTAssertThrowsError(try VectorQuantizationFormat(config: VectorQuantizationConfig(vectorLength: 4, indexBits: 4, stages: 1, scope: .tile(30))))
    }
}

final class ActivationQuantizerTests: XCTestCase {
    func testPerTokenInt8() throws {
        let quantizer = try ActivationQuantizer(bits: 8)
        let tensor = try Tensor(shape: [2, 4], values: [1, -0.5, 0.25, 0, 10, 5, -10, 2.5])
        let result = try quantizer.quantize(tensor)
        XCTAssertEqual(result.scales, [Float(Float16(Float(1) / 127)), Float(Float16(Float(10) / 127))])
        XCTAssertEqual(result.integers[0], 127)
        XCTAssertEqual(result.integers[6], -127)
        XCTAssertTrue(result.integers.allSatisfy { abs(Int($0)) <= 127 })
    }

    func testPerGroupInt4() throws {
        let result = try ActivationQuantizer(bits: 4, granularity: .group(2)).quantize(randomTensor(rows: 3, columns: 8, seed: 47))
        XCTAssertEqual(result.scaleCodes.count, 12)
        XCTAssertTrue(result.integers.allSatisfy { abs(Int($0)) <= 7 })
        XCTAssertThrowsError(try ActivationQuantizer(bits: 6))
    }
}
