import XCTest
import MantNumerics
@testable import MantHardware

/// The SystemC KV engine against the Swift `TwoStageKVCache`, bit for bit, and its cost model.
final class KVEngineTests: XCTestCase {
    func stream(_ tokens: Int, d: Int, seed: UInt64) throws -> Tensor {
        let tensor = try SyntheticTensor.llmLike(rows: tokens, columns: d, seed: seed)
        return try Tensor(shape: tensor.shape, values: tensor.values.map { $0 * 50 })
    }

    func reference(_ keys: Tensor, _ values: Tensor, window: Int) throws -> TwoStageKVCache {
        let d = keys.shape[1]
        var cache = try TwoStageKVCache(headDimension: d, window: window, windowCapacity: 64)
        for t in 0..<keys.shape[0] {
            try cache.append(key: Array(keys.values[(t * d)..<((t + 1) * d)]), value: Array(values.values[(t * d)..<((t + 1) * d)]))
        }
        return cache
    }

    func testEngineMatchesTheReferenceAcrossWindowBoundaries() throws {
        let model = try RTLModel.fresh()
        for (tokens, d, window) in [(63, 128, 64), (64, 128, 64), (65, 128, 64), (200, 128, 64), (37, 64, 16), (1, 64, 64)] {
            let keys = try stream(tokens, d: d, seed: UInt64(tokens)), values = try stream(tokens, d: d, seed: UInt64(tokens) + 1)
            var config = KVEngineConfig(headDimension: d)
            config.window = window
            let engine = try model.runKVEngine(keys: keys, values: values, config: config)
            let expected = try reference(keys, values, window: window)
            XCTAssertEqual(engine.keys, try expected.keys(), "\(tokens) tokens: K")
            XCTAssertEqual(engine.closedValues, try expected.closedValues(), "\(tokens) tokens: closed V")
            XCTAssertEqual(engine.openIntegers, expected.openValues.integers, "\(tokens) tokens: open V")
            XCTAssertEqual(engine.openScaleCodes, expected.openValues.scaleCodes)
            let activity = expected.activity
            XCTAssertEqual(engine.counters["kv.key_vectors"], UInt64(activity.keyVectors))
            XCTAssertEqual(engine.counters["kv.window_flushes"], UInt64(activity.windowFlushes))
            XCTAssertEqual(engine.counters["kv.window_write_bits"], UInt64(activity.windowWriteBits))
            XCTAssertEqual(engine.counters["kv.window_read_bits"], UInt64(activity.windowReadBits))
            XCTAssertEqual(engine.counters["dram.write_bits"], UInt64(activity.cacheWriteBits))
            XCTAssertEqual(engine.counters["kv.candidate_evaluation"], UInt64(16 * (activity.keyVectors * d + activity.windowFlushes * d * window)))
        }
    }

    func testCyclesFollowTheDocumentedModel() throws {
        let model = try RTLModel.fresh()
        var config = KVEngineConfig(headDimension: 128)
        config.lanes = 64
        config.latencyCycles = 4
        config.dramBitsPerCycle = 1024
        let keys = try stream(65, d: 128, seed: 5), values = try stream(65, d: 128, seed: 6)
        let result = try model.runKVEngine(keys: keys, values: values, config: config)
        // Per token: K search 16*128/64 = 32, encode 2, latency 4; V stage 1: 2 + 2 + 4 = 46.
        // The 64th token closes the window: 16*128*64/64 = 2048 + 128 + 4 more.
        XCTAssertEqual(result.engineCycles, 65 * 46 + 2180)
        XCTAssertEqual(result.lastTokenCycles, 46)
        XCTAssertEqual(result.counters["kv.cycles"], result.engineCycles)
        XCTAssertGreaterThanOrEqual(result.totalCycles, result.engineCycles)
        // A narrow DRAM port makes the job wait for its writes.
        config.dramBitsPerCycle = 8
        let starved = try model.runKVEngine(keys: keys, values: values, config: config)
        let bits = starved.counters["dram.write_bits"]!
        XCTAssertEqual(starved.engineCycles, result.engineCycles)
        XCTAssertGreaterThanOrEqual(starved.totalCycles, (bits + 7) / 8)
        // Counters belong to the job that ran: a GEMM afterwards reports no KV work.
        let weights = try FormatCatalog.parse("int8").makeFormat().quantize(try SyntheticTensor.llmLike(rows: 8, columns: 64, seed: 1))
        let gemm = try model.run(try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: 2, columns: 64, seed: 2)),
                                 on: ArrayConfig(peType: .int, rows: 8, columns: 8), dataflow: .weightStationary)
        XCTAssertEqual(gemm.counters["kv.cycles"], 0)
        XCTAssertEqual(gemm.counters["kv.key_vectors"], 0)
    }

    /// On a DRAM part's channels the engine's writes go through the banks: the same numbers, whole
    /// write bursts and the rows they open counted, no standby time (the array's run charges it),
    /// and never faster than the ideal 1024-bit port with no latency.
    func testOnAPartsChannelsTheWritesGoThroughTheBanks() throws {
        let model = try RTLModel.fresh()
        let keys = try stream(130, d: 128, seed: 5), values = try stream(130, d: 128, seed: 6)
        let ideal = try model.runKVEngine(keys: keys, values: values, config: KVEngineConfig(headDimension: 128))
        var config = KVEngineConfig(headDimension: 128)
        config.dramTiming = DRAMTiming(standard: "DDR4-3200", channels: 1, banks: 16, busBits: 64, burstLength: 8, rowBytes: 8192,
                                       tckPicoseconds: 625, cl: 22, trcd: 22, trp: 22)
        let banked = try model.runKVEngine(keys: keys, values: values, config: config)
        XCTAssertEqual(banked.keys, ideal.keys)
        XCTAssertEqual(banked.closedValues, ideal.closedValues)
        let bits = try XCTUnwrap(banked.counters["dram.write_bits"])
        XCTAssertEqual(bits, ideal.counters["dram.write_bits"])
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(banked.counters["dram.write_bursts"]) * 512, bits)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(banked.counters["dram.activates"]), 1)
        XCTAssertNil(banked.counters["dram.active_standby_cycles"])
        XCTAssertEqual(ideal.counters["dram.write_bursts"] ?? 0, 0, "the ideal port counts bits only")
        XCTAssertGreaterThanOrEqual(banked.totalCycles, ideal.totalCycles)
    }

    func testBadJobsAreRefusedWithTheField() throws {
        let model = try RTLModel.fresh()
        let good = try stream(4, d: 128, seed: 1)
        var config = KVEngineConfig(headDimension: 128)
        config.window = 128
        XCTAssertThrowsError(try model.runKVEngine(keys: good, values: good, config: config)) {
            XCTAssertTrue("\($0)".contains("kv.window: 128 tokens do not fit a window buffer of 64"), "\($0)")
        }
        config = KVEngineConfig(headDimension: 96)
        XCTAssertThrowsError(try model.runKVEngine(keys: try stream(2, d: 96, seed: 1), values: try stream(2, d: 96, seed: 2), config: config)) {
            XCTAssertTrue("\($0)".contains("kv.head_dim"), "\($0)")
        }
        var values = good.values
        values[3 * 128 + 5] = .infinity
        XCTAssertThrowsError(try model.runKVEngine(keys: good, values: try Tensor(shape: [4, 128], values: values), config: KVEngineConfig())) {
            XCTAssertTrue("\($0)".contains("kv.values: token 3, channel 5 is not finite"), "\($0)")
        }
        XCTAssertThrowsError(try model.runKVEngine(keys: good, values: try stream(4, d: 64, seed: 1), config: KVEngineConfig()))
    }
}
