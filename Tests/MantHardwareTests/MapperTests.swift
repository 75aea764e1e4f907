import XCTest
import MantNumerics
@testable import MantHardware

/// The weight-stationary mapper: never below the compulsory traffic, never worse than the fixed
/// nest, weights read once when the WBUF holds them, and the outputs bit-exact under any mapping.
final class MapperTests: XCTestCase {
    private func operands(_ format: String, _ granularity: Granularity?, m: Int, k: Int, n: Int, seed: UInt64 = 5) throws -> GemmOperands {
        let block = try FormatCatalog.parse(format, granularity: granularity).makeFormat()
            .quantize(try SyntheticTensor.llmLike(rows: min(n, 64), columns: k, seed: seed))
        let activations = try SyntheticTensor.llmLike(rows: min(m, 16), columns: k, seed: seed + 1)
        return try GemmOperands(weights: block, outputs: n, activationBlock: activations, tokens: m)
    }

    private func traffic(_ result: GemmResult) -> UInt64 {
        (result.counters["dram.read_bits"] ?? 0) + (result.counters["dram.write_bits"] ?? 0)
    }

    /// LLaMA-2-7B's projection shapes, prefill (2048 tokens) and decode, on three PE types.
    func testSearchedMappingNeverMovesMoreThanTheFixedNestNorLessThanCompulsory() throws {
        let model = try RTLModel.fresh()
        let shapes = [(m: 2048, k: 4096, n: 4096), (m: 2048, k: 4096, n: 11008), (m: 2048, k: 11008, n: 4096),
                      (m: 1, k: 4096, n: 4096), (m: 1, k: 4096, n: 11008), (m: 1, k: 11008, n: 4096), (m: 1, k: 4096, n: 32000)]
        for (name, pe, granularity) in [("int8", PEType.int, Granularity?.some(.channel)), ("mant4", .mant, .group(64)), ("fp16", .fp16, nil)] {
            for shape in shapes {
                let job = try operands(name, granularity, m: shape.m, k: shape.k, n: shape.n)
                var config = ArrayConfig(peType: pe)
                config.weightLinkBits = 256
                let searched = try model.run(job, on: config, dataflow: .weightStationary, fidelity: .fast)
                config.mapping = .fixed
                let fixed = try model.run(job, on: config, dataflow: .weightStationary, fidelity: .fast)
                let label = "\(name) \(shape)"
                XCTAssertGreaterThanOrEqual(traffic(searched), searched.mapping!.compulsoryDRAMBits, label)
                XCTAssertGreaterThanOrEqual(traffic(fixed), fixed.mapping!.compulsoryDRAMBits, label)
                XCTAssertLessThanOrEqual(traffic(searched), traffic(fixed), label)
                if traffic(searched) == traffic(fixed) { XCTAssertLessThanOrEqual(searched.totalCycles, fixed.totalCycles, label) }
            }
        }
    }

    func testWeightsThatFitTheWeightBufferAreReadOnce() throws {
        let model = try RTLModel.fresh()
        let (m, k, n) = (300, 512, 256)
        let job = try operands("int4", .group(64), m: m, k: k, n: n)
        var config = ArrayConfig(peType: .int)
        config.activationBufferBytes = 16 * 1024  // M tiles of a few tokens: many passes over the weights
        config.weightBufferBytes = 128 * 1024
        let result = try model.run(job, on: config, dataflow: .weightStationary, fidelity: .fast)
        let mapping = try XCTUnwrap(result.mapping)
        XCTAssertTrue(mapping.weightsResident)
        XCTAssertGreaterThan((m + mapping.mTile - 1) / mapping.mTile, 1)
        let weightBits = UInt64(n * k * 4 + n * (k / 64) * 16)
        XCTAssertEqual(result.counters["wbuf.write_bits"], weightBits)
        let rows = result.counters["abuf.write_bits"]!
        XCTAssertEqual(result.counters["dram.read_bits"], weightBits + rows)
    }

    /// Random shapes and buffer sizes push the search into every kind of mapping (K chunks reloaded
    /// per N block, narrow blocks, resident weights); every output bit still matches the reference.
    func testOutputsStayBitExactUnderEveryMappingTheSearchPicks() throws {
        let model = try RTLModel.fresh()
        var generator = SplitMix(seed: 77)
        let formats: [(String, Granularity?, PEType)] = [("mant4", .group(16), .mant), ("int8", .channel, .int), ("int4", .group(8), .int),
                                                         ("ant4", .group(16), .ant), ("olive4", .channel, .olive), ("mxfp4", nil, .mxfp4),
                                                         ("fp16", nil, .fp16), ("nf4", .group(16), .lut)]
        var chunked = 0
        for round in 0..<40 {
            let (name, granularity, pe) = formats[round % formats.count]
            let (m, k, n) = (1 + generator.next(40), 8 + generator.next(120), 1 + generator.next(40))
            let weights = try FormatCatalog.parse(name, granularity: granularity).makeFormat()
                .quantize(try SyntheticTensor.llmLike(rows: n, columns: k, seed: UInt64(round)))
            let job = try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: m, columns: k, seed: UInt64(round + 100)))
            var config = ArrayConfig(peType: pe, rows: 8, columns: 8)
            config.activationBufferBytes = 24 + generator.next(2 * k)
            config.outputBufferBytes = 64 + generator.next(2048)
            config.weightBufferBytes = 256 + generator.next(8192)
            config.dramLatencyCycles = 5
            let result: GemmResult
            do {
                result = try model.run(job, on: config, dataflow: .weightStationary)
            } catch let error as RTLError {
                XCTAssertTrue(error.message.contains("buffers."), error.message)
                // Planning refuses the same job with the same message.
                XCTAssertThrowsError(try model.plan(job, on: config, dataflow: .weightStationary)) { XCTAssertEqual("\($0)", "\(error)") }
                continue
            }
            XCTAssertEqual(result.output.map(\.bitPattern), try GemmReference.run(job).map(\.bitPattern), "\(name) \(m)x\(k)x\(n) \(config)")
            // Planning alone chooses the mapping the run used.
            XCTAssertEqual(try model.plan(job, on: config, dataflow: .weightStationary), result.mapping, "\(name) \(m)x\(k)x\(n)")
            if result.mapping!.kChunk < k { chunked += 1 }
        }
        XCTAssertGreaterThan(chunked, 3, "the sweep should reach K-chunked mappings")
    }

    func testBuffersTooSmallForAnyMappingNameTheSmallestThatWorks() throws {
        let model = try RTLModel.fresh()
        let job = try operands("int8", .channel, m: 4, k: 64, n: 16)
        var config = ArrayConfig(peType: .int, rows: 8, columns: 8)
        config.activationBufferBytes = 8
        XCTAssertThrowsError(try model.run(job, on: config, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("buffers.activation_bytes: holds 8 bytes; one token's rows of one K tile, double-buffered, need 20 (the smallest that works)"), "\($0)")
        }
        config = ArrayConfig(peType: .int, rows: 8, columns: 8)
        config.outputBufferBytes = 16
        XCTAssertThrowsError(try model.run(job, on: config, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("buffers.output_bytes: holds 16 bytes; one token's partial sums need 64"), "\($0)")
        }
    }
}

/// A small deterministic generator for test sweeps.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
