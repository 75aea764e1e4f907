import Foundation
import XCTest
import MantNumerics
@testable import MantHardware

/// The VQ array: decoded weights bit-exact with the reference, bank conflicts and hot-store hits
/// from the real index stream, codebook switching, and bad input.
final class VQArrayTests: XCTestCase {
    private func config(rows: Int = 8, columns: Int = 8) -> ArrayConfig {
        var config = ArrayConfig(peType: .vq, rows: rows, columns: columns)
        config.dramLatencyCycles = 10
        config.codebookBytes = 8 << 20
        return config
    }

    private func operands(_ format: FormatDescriptor, m: Int, k: Int, n: Int, seed: UInt64) throws -> GemmOperands {
        let weights = try format.makeFormat().quantize(try SyntheticTensor.llmLike(rows: n, columns: k, seed: seed))
        return try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: m, columns: k, seed: seed + 1))
    }

    private func vq(_ name: String, scope: VectorQuantizationConfig.Scope = .tensor,
                    axis: VectorQuantizationConfig.Axis = .reduction) throws -> FormatDescriptor {
        var format = try FormatCatalog.parse(name)
        format.vq?.scope = scope
        format.vq?.axis = axis
        return format
    }

    /// A hand-made VQ tensor <2, 4, 1>: 16 entries of two FP16 values, one codebook.
    private func handMade(rows: [[UInt32]]) throws -> QuantizedTensor {
        let config = VectorQuantizationConfig(vectorLength: 2, indexBits: 4, stages: 1)
        let format = FormatDescriptor(kind: .vq, bits: 4, granularity: .tensor, vq: config)
        let book = (0..<32).map { UInt32(MiniFloat.fp16.encode(Float($0 - 16) * 0.125)) }
        return QuantizedTensor(format: format, shape: [rows.count, rows[0].count * 2],
                               codes: BitField(name: "codes", bitWidth: 4, values: rows.flatMap { $0 }),
                               metadata: [BitField(name: "codebook", bitWidth: 16, values: book)])
    }

    func testEveryBundledConfigurationMatchesTheReferenceBitForBit() throws {
        let model = try RTLModel.fresh()
        // quip4's 65,536-entry codebooks train on a small tensor; the others on shapes off every multiple.
        // The KV configurations also as a V cache read as V^T: vectors across output channels.
        let cases: [(String, VectorQuantizationConfig.Scope, VectorQuantizationConfig.Axis, Int, Int, Int)] = [
            ("quip4", .tensor, .reduction, 3, 32, 8), ("aqlm3", .tensor, .reduction, 5, 48, 11), ("gptvq2", .tensor, .reduction, 1, 72, 13),
            ("cq4", .tensor, .reduction, 9, 40, 10), ("cq2", .tensor, .reduction, 4, 64, 9),
            ("cq4", .tensor, .output, 1, 37, 16), ("cq2", .tensor, .output, 3, 45, 24),
            ("gptvq2", .tile(16), .reduction, 3, 64, 16), ("gptvq2", .channelGroup(8), .reduction, 2, 40, 24),
        ]
        for (index, (name, scope, axis, m, k, n)) in cases.enumerated() {
            let job = try operands(try vq(name, scope: scope, axis: axis), m: m, k: k, n: n, seed: UInt64(40 + index))
            let expected = try GemmReference.run(job)
            XCTAssertTrue(expected.contains { $0 != 0 }, name)
            let result = try model.run(job, on: config(), dataflow: .weightStationary)
            XCTAssertEqual(result.output.map(\.bitPattern), expected.map(\.bitPattern), "\(name) \(scope) \(axis)")
            // The reference decodes what the numerics dequantize, rounded to FP16.
            let dequantized = try job.weights.format.makeFormat().dequantize(job.weights).values
            XCTAssertEqual(try GemmReference.fp16Weights(job), dequantized.map { MiniFloat.fp16.round($0) })
        }
    }

    /// Vectors across output channels (a V cache as V^T): a tile's stream runs over its K steps,
    /// then its blocks of v columns. Rows 0-1 hold codes 0 (k = 0) and 1 (k = 1), rows 2-3 codes 4
    /// and 5, so the stream is 0 4 1 5: banks 0 0 1 1 with 4 banks, four lookups a cycle:
    ///   cycle 1: 0 | 4 hits bank 0       cycle 2: 4 1 | 5 hits bank 1       cycle 3: 5
    /// (along K the same codes would stream 0 1 4 5 and take two cycles).
    func testOutputAxisVectorsStreamByKStep() throws {
        let config = VectorQuantizationConfig(vectorLength: 2, indexBits: 4, stages: 1, axis: .output)
        let format = FormatDescriptor(kind: .vq, bits: 4, granularity: .tensor, vq: config)
        let book = (0..<32).map { UInt32(MiniFloat.fp16.encode(Float($0 - 16) * 0.125)) }
        let weights = QuantizedTensor(format: format, shape: [4, 2], codes: BitField(name: "codes", bitWidth: 4, values: [0, 1, 4, 5]),
                                      metadata: [BitField(name: "codebook", bitWidth: 16, values: book)])
        let job = try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: 2, columns: 2, seed: 3))
        var array = self.config(rows: 2, columns: 4)
        array.codebookBanks = 4
        array.decoderLanes = 4
        let model = try RTLModel.fresh()
        let result = try model.run(job, on: array, dataflow: .weightStationary)
        XCTAssertEqual(result.counters["decoder.cycles"], 3)
        XCTAssertEqual(result.counters["decoder.conflict_cycles"], 2)
        XCTAssertEqual(result.output.map(\.bitPattern), try GemmReference.run(job).map(\.bitPattern))
        // W[n][k]: entry i holds (2i - 16) / 8 and (2i - 15) / 8; row 1 is element 1 of the vectors of rows 0-1.
        XCTAssertEqual(try GemmReference.fp16Weights(job), [-2, -1.75, -1.875, -1.625, -1, -0.75, -0.875, -0.625])
        array.columns = 3
        XCTAssertThrowsError(try model.run(job, on: array, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("array.columns"), "\($0)")
        }
    }

    func testBankConflictsFollowAHandWorkedIndexStream() throws {
        // Stream order: K vectors, then columns: 0 4 1 6 2 7 3 9. With 4 banks (index % 4):
        // banks 0 0 1 2 2 3 3 1, four lookups a cycle:
        //   cycle 1: 0 | 4 hits bank 0 again      cycle 2: 4 1 6 | 2 hits bank 2
        //   cycle 3: 2 7 | 3 hits bank 3           cycle 4: 3 9
        // Four decode cycles, three of them cut short by a conflict, eight bank reads.
        let weights = try handMade(rows: [[0, 1, 2, 3], [4, 6, 7, 9]])
        let job = try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: 1, columns: 8, seed: 1))
        let model = try RTLModel.fresh()
        var array = config(rows: 8, columns: 2)
        array.codebookBanks = 4
        array.decoderLanes = 4
        var result = try model.run(job, on: array, dataflow: .weightStationary)
        XCTAssertEqual(result.counters["decoder.cycles"], 4)
        XCTAssertEqual(result.counters["decoder.conflict_cycles"], 3)
        XCTAssertEqual(result.counters["decoder.codebook_read_bits"], 8 * 2 * 16)
        XCTAssertEqual(result.counters["decoder.hot_read_bits"], 0)
        XCTAssertEqual(result.output.map(\.bitPattern), try GemmReference.run(job).map(\.bitPattern))
        // Entries 0-3 in a hot store with two ports: 0h 4 1h 6 | 2h 7 3h 9, two cycles, no conflict.
        array.hotEntries = 4
        array.hotPorts = 2
        result = try model.run(job, on: array, dataflow: .weightStationary)
        XCTAssertEqual(result.counters["decoder.cycles"], 2)
        XCTAssertEqual(result.counters["decoder.conflict_cycles"], 0)
        XCTAssertEqual(result.counters["decoder.hot_read_bits"], 4 * 2 * 16)
        XCTAssertEqual(result.counters["decoder.codebook_read_bits"], 4 * 2 * 16)
        // One hot port: the second hot lookup of a cycle waits. 0h 4 | 1h 6 | 2h 7 | 3h 9.
        array.hotPorts = 1
        result = try model.run(job, on: array, dataflow: .weightStationary)
        XCTAssertEqual(result.counters["decoder.cycles"], 4)
        XCTAssertEqual(result.counters["decoder.conflict_cycles"], 3)
    }

    func testHotStoreHitsEqualWhatTheIndexHistogramImplies() throws {
        let model = try RTLModel.fresh()
        let job = try operands(try vq("gptvq2"), m: 3, k: 128, n: 24, seed: 9)
        let codes = job.weights.codes.values
        for hot in [0, 1, 16, 64, 256] {
            var array = config()
            array.hotEntries = hot
            let result = try model.run(job, on: array, dataflow: .weightStationary)
            // One M tile: every vector is decoded once.
            let hits = UInt64(codes.filter { $0 < hot }.count)
            XCTAssertEqual(result.counters["decoder.hot_read_bits"], hits * 4 * 16, "n_hot \(hot)")
            XCTAssertEqual(result.counters["decoder.codebook_read_bits"], (UInt64(codes.count) - hits) * 4 * 16, "n_hot \(hot)")
        }
        // Entries are ordered hottest first, so a few hot entries serve far more than their share.
        let top16 = codes.filter { $0 < 16 }.count
        XCTAssertGreaterThan(Double(top16) / Double(codes.count), 16.0 / 256.0)
    }

    func testSlowDecodingHoldsTheArrayAndAHotStoreRecoversIt() throws {
        let model = try RTLModel.fresh()
        let job = try operands(try vq("gptvq2"), m: 4, k: 256, n: 64, seed: 12)
        var array = config(rows: 16, columns: 16)
        array.codebookBanks = 1
        array.decoderLanes = 8
        let slow = try model.run(job, on: array, dataflow: .weightStationary)
        array.hotEntries = 256
        array.hotPorts = 8
        let hot = try model.run(job, on: array, dataflow: .weightStationary)
        // One bank reads one entry a cycle: a 16 x 16 tile of 4-vectors takes 64 cycles to decode,
        // more than the 16 + 4 + 16 the tile computes; eight hot ports decode it in 8.
        XCTAssertEqual(slow.counters["decoder.cycles"], 64 * 4 * 16)
        XCTAssertEqual(hot.counters["decoder.cycles"], 8 * 4 * 16)
        XCTAssertGreaterThan(slow.totalCycles, hot.totalCycles)
        // Decoding feeds the weight link: the slow decoder, not the array, bounds the job.
        XCTAssertGreaterThanOrEqual(slow.totalCycles, slow.counters["decoder.cycles"]!)
        XCTAssertEqual(slow.output.map(\.bitPattern), hot.output.map(\.bitPattern))
    }

    func testCodebookSwitchingLoadsEachScopeAndPrefetchesWhenItFits() throws {
        let model = try RTLModel.fresh()
        // 256 x 4 x FP16 = 2 KiB per scope; tiles of 8 x 8 weights on an 8 x 8 array: 16 scopes.
        let job = try operands(try vq("gptvq2", scope: .tile(8)), m: 2, k: 64, n: 16, seed: 21)
        var array = config()
        array.codebookBytes = 2048
        let single = try model.run(job, on: array, dataflow: .weightStationary)
        array.codebookBytes = 4 * 2048
        let ring = try model.run(job, on: array, dataflow: .weightStationary)
        for result in [single, ring] {
            XCTAssertEqual(result.counters["decoder.codebook_loads"], 16)
            XCTAssertEqual(result.counters["decoder.codebook_write_bits"], 16 * 2048 * 8)
            XCTAssertEqual(result.output.map(\.bitPattern), try GemmReference.run(job).map(\.bitPattern))
        }
        // With room for one codebook the next scope's load waits for the current one's last tile.
        XCTAssertGreaterThan(single.totalCycles, ring.totalCycles)
        // A per-tensor codebook loads once.
        let tensor = try operands(try vq("gptvq2"), m: 2, k: 64, n: 16, seed: 21)
        XCTAssertEqual(try model.run(tensor, on: config(), dataflow: .weightStationary).counters["decoder.codebook_loads"], 1)
    }

    func testFastModeAgreesWithCycleMode() throws {
        let model = try RTLModel.fresh()
        let job = try operands(try vq("gptvq2", scope: .channelGroup(16)), m: 20, k: 256, n: 48, seed: 5)
        var array = config(rows: 16, columns: 16)
        array.codebookBanks = 2
        array.codebookBytes = 4096
        let cycle = try model.run(job, on: array, dataflow: .weightStationary, fidelity: .cycle)
        let fast = try model.run(job, on: array, dataflow: .weightStationary, fidelity: .fast)
        XCTAssertEqual(fast.totalCycles, cycle.totalCycles)
        for (counter, value) in cycle.counters {
            XCTAssertEqual(Double(fast.counters[counter] ?? 0), Double(value), accuracy: max(1, Double(value) * 0.01), counter)
        }
    }

    func testBadInputIsRejectedWithTheField() throws {
        let model = try RTLModel.fresh()
        let job = try operands(try vq("gptvq2"), m: 2, k: 32, n: 8, seed: 3)
        var small = config()
        small.codebookBytes = 1024
        XCTAssertThrowsError(try model.run(job, on: small, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("decoder.codebook_bytes: holds 1024 bytes; one set of codebooks (1 x 256 entries x 4 FP16) needs 2048"), "\($0)")
        }
        XCTAssertThrowsError(try model.run(job, on: config(), dataflow: .outputStationary)) {
            XCTAssertTrue("\($0)".contains("weight-stationary only"), "\($0)")
        }
        var tooHot = config()
        tooHot.hotEntries = 300
        XCTAssertThrowsError(try model.run(job, on: tooHot, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("decoder.hot_entries"), "\($0)")
        }
        var badIndex = job.weights
        badIndex.codes.values[3] = 300
        XCTAssertThrowsError(try model.run(try GemmOperands(weights: badIndex, activations: try SyntheticTensor.llmLike(rows: 2, columns: 32, seed: 4)),
                                           on: config(), dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("VQ index 300 is outside the codebook of 256 entries"), "\($0)")
        }
        var shortBook = job.weights
        shortBook.metadata[0].values.removeLast(4)
        XCTAssertThrowsError(try GemmOperands(weights: shortBook, activations: try SyntheticTensor.llmLike(rows: 2, columns: 32, seed: 4))) {
            XCTAssertTrue("\($0)".contains("need 1024 FP16 values, got 1020"), "\($0)")
        }
        // A tile scope that splits the array's tiles.
        let split = try operands(try vq("gptvq2", scope: .tile(12)), m: 1, k: 48, n: 24, seed: 5)
        XCTAssertThrowsError(try model.run(split, on: config(), dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("spans codebook scopes"), "\($0)")
        }
        XCTAssertNoThrow(try model.run(job, on: config(), dataflow: .weightStationary))
    }
}
