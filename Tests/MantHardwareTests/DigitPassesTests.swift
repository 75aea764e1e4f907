import Foundation
import XCTest
import MantNumerics
@testable import MantHardware

/// Int operands wider than the PEs run in digit passes: the split is exact, the passes match the
/// reference bit for bit, and cycles, MACs and DRAM traffic follow the pass count.
final class DigitPassesTests: XCTestCase {
    /// (PE type, INT PE width, passes for int16, passes for int8): the rule's table.
    static let rules: [(PEType, Int, Int, Int?)] = [(.int, 8, 3, nil), (.int, 4, 5, 3), (.ant, 8, 5, 3), (.olive, 8, 5, 3)]

    private func config(_ pe: PEType, width: Int) -> ArrayConfig {
        var config = ArrayConfig(peType: pe, rows: 8, columns: 8)
        config.dramLatencyCycles = 10
        config.peWeightBits = width
        return config
    }

    private func operands(_ format: String, granularity: Granularity, m: Int, k: Int, n: Int, seed: UInt64) throws -> GemmOperands {
        let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: seed)
        let quantized = try FormatCatalog.parse(format, granularity: granularity).makeFormat().quantize(weights)
        return try GemmOperands(weights: quantized, activations: try SyntheticTensor.llmLike(rows: m, columns: k, seed: seed + 1))
    }

    func testTheDigitsOfEveryIntegerAddBackToIt() throws {
        for (pe, width, passes16, passes8) in DigitPassesTests.rules {
            let int16 = try FormatCatalog.parse("int16")
            let split = try XCTUnwrap(DigitPasses(format: int16, peType: pe, peWeightBits: width))
            XCTAssertEqual(split.passes, passes16, "\(pe) \(width)")
            XCTAssertEqual(DigitPasses(format: try FormatCatalog.parse("int8"), peType: pe, peWeightBits: width)?.passes, passes8, "\(pe) \(width)")
            let largest = (1 << split.magnitudeBits) - 1
            for q in Int32(-32767)...Int32(32767) {
                var total: Int32 = 0
                for pass in 0..<split.passes {
                    let digit = split.digit(of: q, pass: pass)
                    XCTAssertLessThanOrEqual(Int(digit.magnitude), largest)
                    XCTAssertTrue(digit == 0 || (digit < 0) == (q < 0))
                    total += digit << Int32(split.magnitudeBits * pass)
                }
                if total != q { XCTFail("\(pe) \(width): digits of \(q) add to \(total)"); break }
            }
        }
        // Kinds without an integer digit path, and int formats the PEs take as they are.
        for pe in [PEType.fp16, .mant, .mxfp4, .lut, .vq] {
            XCTAssertNil(DigitPasses(format: try FormatCatalog.parse("int16"), peType: pe, peWeightBits: 8), "\(pe)")
        }
        XCTAssertNil(DigitPasses(format: try FormatCatalog.parse("int4"), peType: .int, peWeightBits: 8))
        XCTAssertNil(DigitPasses(format: try FormatCatalog.parse("int16"), peType: .int, peWeightBits: 16))
    }

    func testPassesMatchTheReferenceBitForBitAndTheWideGEMM() throws {
        let model = try RTLModel.fresh()
        for (pe, width, _, _) in DigitPassesTests.rules {
            for (format, granularity) in [("int16", Granularity.group(16)), ("int16", .channel), ("int8", .group(16))] {
                let job = try operands(format, granularity: granularity, m: 5, k: 40, n: 13, seed: 31)
                let config = config(pe, width: width)
                guard let split = DigitPasses(job, on: config) else { continue }
                let expected = try GemmReference.run(job, passes: split)
                for dataflow in Dataflow.allCases {
                    let result = try model.run(job, on: config, dataflow: dataflow)
                    XCTAssertEqual(result.output.map(\.bitPattern), expected.map(\.bitPattern), "\(pe) \(width) \(format) \(dataflow)")
                }
                // The passes add up to the wide integers' GEMM (binary64 here) within FP32 rounding.
                let wide = try IntegerFormat(bits: job.weights.format.bits, granularity: granularity).dequantize(job.weights).values
                for row in 0..<job.m {
                    let scale = Double(MiniFloat.fp16.decode(job.activationScaleCodes[row]))
                    for column in 0..<job.n {
                        var (exact, magnitude) = (0.0, 0.0)
                        for step in 0..<job.k {
                            let term = Double(wide[column * job.k + step]) * Double(job.activationIntegers[row * job.k + step]) * scale
                            (exact, magnitude) = (exact + term, magnitude + abs(term))
                        }
                        XCTAssertEqual(Double(expected[row * job.n + column]), exact, accuracy: 1e-6 * magnitude, "\(pe) \(format)")
                    }
                }
            }
        }
    }

    func testCyclesMACsAndTrafficFollowThePassCount() throws {
        let model = try RTLModel.fresh()
        for (pe, width, passes16, _) in DigitPassesTests.rules {
            let job = try operands("int16", granularity: .group(16), m: 6, k: 48, n: 24, seed: 5)
            let config = config(pe, width: width)
            let split = try XCTUnwrap(DigitPasses(job, on: config))
            XCTAssertEqual(split.passes, passes16)
            let planes = try split.operands(job)
            let one = try model.run(planes[0], on: config, dataflow: .weightStationary)
            let all = try model.run(job, on: config, dataflow: .weightStationary)
            let p = UInt64(passes16)
            // Every pass is the same shape with codes of the same width: timing does not depend on values.
            XCTAssertEqual(all.totalCycles, p * one.totalCycles, "\(pe)")
            let mac = try XCTUnwrap(one.counters.first { $0.key.hasPrefix("pe.mac_") && $0.value > 0 }).key
            XCTAssertEqual(all.counters[mac], p * one.counters[mac]!, "\(pe)")
            XCTAssertEqual(one.counters[mac], UInt64(job.m * job.k * job.n))
            XCTAssertEqual(all.counters["dram.read_bits"], p * one.counters["dram.read_bits"]!, "\(pe)")
            // Each pass after the first reads and adds every FP32 output once in the output buffer.
            let outputs = UInt64(job.m * job.n)
            XCTAssertEqual(all.counters["obuf.read_bits"], p * one.counters["obuf.read_bits"]! + (p - 1) * outputs * 32, "\(pe)")
            XCTAssertEqual(all.counters["vector.add"], (p - 1) * outputs, "\(pe)")
        }
    }

    func testArraysWithoutADigitPathRefuseAndTheModelRefusesWideINTCodes() throws {
        let model = try RTLModel.fresh()
        let job = try operands("int16", granularity: .group(16), m: 2, k: 32, n: 8, seed: 9)
        for pe in [PEType.mant, .mxfp4, .fp16] {
            XCTAssertThrowsError(try model.run(job, on: config(pe, width: 8), dataflow: .weightStationary), "\(pe)")
        }
        // An INT array said to be 16 bits wide runs no passes, and the model's INT PEs refuse the codes.
        XCTAssertThrowsError(try model.run(job, on: config(.int, width: 16), dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("job.weight_bits"), "\($0)")
        }
    }
}
