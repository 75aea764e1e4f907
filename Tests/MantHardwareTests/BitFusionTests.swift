import Foundation
import XCTest
import MantNumerics
@testable import MantHardware

/// BitFusion's precision-scalable PEs: r products per PE per cycle by the operands' widths, the
/// INT arithmetic bit for bit, cycles that follow r, and one MAC counter per rate.
final class BitFusionTests: XCTestCase {
    private func operands(_ format: String, m: Int, k: Int, n: Int, activationBits: Int = 8, seed: UInt64 = 11) throws -> GemmOperands {
        let weights = try FormatCatalog.parse(format, granularity: .group(16)).makeFormat().quantize(try SyntheticTensor.llmLike(rows: n, columns: k, seed: seed))
        return try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: m, columns: k, seed: seed + 1), activationBits: activationBits)
    }

    private func config(_ pe: PEType) -> ArrayConfig {
        var config = ArrayConfig(peType: pe, rows: 8, columns: 8)
        config.dramLatencyCycles = 10
        config.weightLinkBits = 4096
        (config.activationBufferBanks, config.activationBufferBankBits) = (64, 64)
        return config
    }

    func testRatesFollowTheBricksOfEachOperand() {
        // (weight bits, activation bits, products per cycle, counter).
        let table: [(Int, Int, Int, String)] = [(8, 8, 1, "r1"), (7, 8, 1, "r1"), (4, 8, 2, "r2"), (3, 8, 2, "r2"), (8, 4, 2, "r2"),
                                                (2, 8, 4, "r4"), (4, 4, 4, "r4"), (2, 4, 8, "r8")]
        for (w, a, rate, counter) in table {
            let kind = PEType.bitfusion.kind(weightBits: w, activationBits: a)
            XCTAssertEqual(kind.productsPerCycle, rate, "w\(w)a\(a)")
            XCTAssertEqual(kind.macCounter, "pe.mac_bitfusion_\(counter)", "w\(w)a\(a)")
        }
        for pe in PEType.allCases where pe != .bitfusion { XCTAssertEqual(pe.kind(weightBits: 4, activationBits: 4).productsPerCycle, 1, "\(pe)") }
        XCTAssertTrue(PEType.bitfusion.takes(try! FormatCatalog.parse("int2")))
        XCTAssertFalse(PEType.bitfusion.takes(try! FormatCatalog.parse("int16")))
        XCTAssertFalse(PEType.bitfusion.takes(try! FormatCatalog.parse("mant4")))
    }

    func testBitFusionComputesTheINTArithmeticBitForBit() throws {
        let model = try RTLModel.fresh()
        for (format, bits) in [("int8", 8), ("int4", 8), ("int2", 8), ("int4", 4), ("int2", 4)] {
            let job = try operands(format, m: 7, k: 72, n: 19, activationBits: bits)
            let expected = try GemmReference.run(job)
            for dataflow in Dataflow.allCases {
                let result = try model.run(job, on: config(.bitfusion), dataflow: dataflow)
                XCTAssertEqual(result.output.map(\.bitPattern), expected.map(\.bitPattern), "\(format) a\(bits) \(dataflow)")
                let rate = PEType.bitfusion.kind(weightBits: job.weights.format.bits, activationBits: bits)
                XCTAssertEqual(result.counters[rate.macCounter], UInt64(job.m * job.k * job.n), "\(format) a\(bits) \(dataflow)")
            }
        }
    }

    /// A compute-bound GEMM: never faster than MACs / (PEs x r), and within a few percent of it,
    /// so INT4 weights run twice and INT2 four times as fast as INT8 on the same PEs.
    func testCyclesFollowTheRate() throws {
        let model = try RTLModel.fresh()
        var cycles = [Int: Double]()
        for (format, rate) in [("int8", 1), ("int4", 2), ("int2", 4)] {
            let job = try operands(format, m: 512, k: 256, n: 32)
            let result = try model.run(job, on: config(.bitfusion), dataflow: .weightStationary, fidelity: .fast)
            let bound = Double(job.m * job.k * job.n) / Double(64 * rate)
            XCTAssertGreaterThanOrEqual(Double(result.totalCycles), bound, format)
            XCTAssertLessThan(Double(result.totalCycles), bound * 1.15, "\(format): \(result.totalCycles) against \(bound)")
            cycles[rate] = Double(result.totalCycles)
        }
        XCTAssertEqual(cycles[1]! / cycles[2]!, 2, accuracy: 0.2)
        XCTAssertEqual(cycles[1]! / cycles[4]!, 4, accuracy: 0.5)
        // An INT array of the same size takes INT4 weights at one product per PE per cycle.
        let int4 = try model.run(try operands("int4", m: 512, k: 256, n: 32), on: config(.int), dataflow: .weightStationary, fidelity: .fast)
        XCTAssertEqual(Double(int4.totalCycles) / cycles[2]!, 2, accuracy: 0.2)
    }
}
