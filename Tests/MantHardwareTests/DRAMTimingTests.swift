import Foundation
import XCTest
import MantNumerics
import MantConfig
@testable import MantHardware

/// The DRAM standards' timing against hand-computed values: streaming reads reach the channels'
/// peak after one activation, reads that each open a new row of one bank take tRP + tRCD + CL +
/// one burst each, and the array's GEMMs never beat the peak and reach it where weights stream.
final class DRAMTimingTests: XCTestCase {
    let megabyte: UInt64 = 1 << 20

    func testStreamingReachesThePeakAfterTheFirstActivation() throws {
        // (technology, channels, hand-computed peak GB/s, first access tRCD + CL in ps).
        let cases: [(String, Int, Double, UInt64)] = [("ddr4", 1, 25.6, 44 * 625), ("ddr4", 4, 102.4, 44 * 625),
                                                      ("lpddr4", 1, 6.4, 57 * 625), ("hbm2", 8, 256, 28 * 1000)]
        for (technology, channels, peak, first) in cases {
            let timing = try XCTUnwrap(DRAMTiming(technology: technology, channels: channels))
            XCTAssertEqual(timing.peakBytesPerNanosecond, peak, accuracy: 1e-9, technology)
            // One megabyte in one transfer, and the same as 256 sequential 4 KiB transfers.
            let whole = try timing.finishTimes([(0, megabyte)])[0]
            let pieces = try timing.finishTimes((0..<256).map { (UInt64($0) * 4096, UInt64(4096)) })
            let bursts = megabyte / UInt64(timing.burstBytes * channels)
            XCTAssertEqual(whole, first + bursts * UInt64(timing.burstPicoseconds), technology)
            XCTAssertEqual(pieces.last, whole, technology)
            XCTAssertEqual(pieces, pieces.sorted(), technology)
            // Never faster than the peak.
            XCTAssertGreaterThanOrEqual(Double(whole) / 1000, Double(megabyte) / peak, technology)
        }
    }

    func testReadsThatEachOpenARowOfOneBankTakeTheRowCycle() throws {
        let timing = try XCTUnwrap(DRAMTiming(technology: "ddr4", channels: 1))
        // Bursts one bank-row apart (16 banks x 8 KiB): every read precharges, activates and reads.
        let stride = UInt64(timing.banks * timing.rowBytes)
        let finish = try timing.finishTimes((0..<100).map { (UInt64($0) * stride, UInt64(64)) })
        // First: tRCD + CL + one burst (4 tCK); then tRP + tRCD + CL + burst = 70 tCK = 43.75 ns each.
        XCTAssertEqual(finish[0], 48 * 625)
        for index in 1..<finish.count { XCTAssertEqual(finish[index] - finish[index - 1], 70 * 625) }
        // Throughput falls to 64 B per 43.75 ns, 1.46 GB/s of DDR4-3200's 25.6.
        XCTAssertEqual(64 / 43.75, 1.4628, accuracy: 1e-4)

        // The same misses spread over all 16 banks overlap: one every 70 / 16 tCK at most, never
        // faster than the bus (4 tCK per burst).
        let spread = try timing.finishTimes((0..<1600).map { (UInt64($0) * UInt64(timing.rowBytes), UInt64(64)) })
        let perBurst = Double(spread.last! - spread[15]) / Double(1600 - 16) / 625
        XCTAssertEqual(perBurst, 70.0 / 16, accuracy: 0.01)
        XCTAssertGreaterThanOrEqual(perBurst, 4)
        // Rows re-read while open are hits: a second pass over the last row's bursts waits only for the bus.
        let hits = try timing.finishTimes([(0, 64), (64, 64), (128, 64)])
        XCTAssertEqual(hits, [48 * 625, 52 * 625, 56 * 625])
    }

    func testBadTimingsAreRefusedNamingTheField() throws {
        var timing = try XCTUnwrap(DRAMTiming(technology: "hbm2", channels: 2))
        timing.rowBytes = 100
        XCTAssertThrowsError(try timing.finishTimes([(0, 64)])) { XCTAssertTrue("\($0)".contains("dram.row_bytes"), "\($0)") }
        timing = try XCTUnwrap(DRAMTiming(technology: "hbm2", channels: 0))
        XCTAssertThrowsError(try timing.finishTimes([(0, 64)])) { XCTAssertTrue("\($0)".contains("dram.channels"), "\($0)") }
        XCTAssertNil(DRAMTiming(technology: "ddr5", channels: 1))
    }

    /// A decode GEMV streams its weights: on each standard the array's cycles stay at or above the
    /// weights' bits over the peak, and within a few percent of it where DRAM is what limits (a
    /// 2 GHz array, so that one channel is slower than the array's weight path; at 500 MHz the
    /// same GEMV is array-bound and only the lower bound is checked).
    func testWeightStreamingGEMVsReachButNeverBeatThePeak() throws {
        let model = try RTLModel.fresh()
        let weights = try IntegerFormat(bits: 4, granularity: .group(64)).quantize(try SyntheticTensor.llmLike(rows: 64, columns: 2048, seed: 3))
        let job = try GemmOperands(weights: weights, outputs: 2048, activationBlock: try SyntheticTensor.llmLike(rows: 1, columns: 2048, seed: 4), tokens: 1)
        for (technology, channels, clock, dramBound) in [("ddr4", 1, 2000.0, true), ("lpddr4", 1, 2000, true), ("hbm2", 1, 2000, true), ("hbm2", 8, 500, false)] {
            var config = ArrayConfig(peType: .int)
            var timing = try XCTUnwrap(DRAMTiming(technology: technology, channels: channels))
            timing.clockMHz = clock
            config.dramTiming = timing
            config.dramBitsPerCycle = max(1, Int(timing.peakBitsPerCycle(clockMHz: clock)))
            config.dramLatencyCycles = 0
            let result = try model.run(job, on: config, dataflow: .weightStationary, fidelity: .fast)
            let bits = Double(result.counters["dram.read_bits"]! + result.counters["dram.write_bits"]!)
            let bound = bits / config.dramPeakBitsPerCycle
            XCTAssertGreaterThanOrEqual(Double(result.totalCycles), bound, technology)
            if dramBound {
                XCTAssertLessThan(Double(result.totalCycles), bound * 1.05, "\(technology): \(result.totalCycles) cycles against \(bound)")
            }
            // The commands behind the energy: whole bursts for the bits moved, an activation per
            // row touched at least, and every channel in one standby state or the other all along.
            let burstBits = UInt64(timing.burstBytes * 8)
            XCTAssertEqual(result.counters["dram.read_bursts"]!, (result.counters["dram.read_bits"]! + burstBits - 1) / burstBits, accuracy: UInt64(channels * 16), technology)
            XCTAssertGreaterThanOrEqual(result.counters["dram.write_bursts"]! * burstBits, result.counters["dram.write_bits"]!, technology)
            XCTAssertGreaterThanOrEqual(result.counters["dram.activates"]! * UInt64(timing.rowBytes * 8), result.counters["dram.read_bits"]!, technology)
            let standby = result.counters["dram.active_standby_cycles"]! + result.counters["dram.precharged_standby_cycles"]!
            XCTAssertEqual(standby, UInt64(channels) * result.totalCycles, accuracy: 2, technology)
        }
    }
}
