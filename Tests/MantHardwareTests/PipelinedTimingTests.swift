import XCTest
import MantNumerics
@testable import MantHardware

/// The timing model against physics: it never beats the bits it must move or the MACs it must do,
/// it reaches whichever of those binds, and its serial mode is SCALE-Sim's closed form.
final class PipelinedTimingTests: XCTestCase {
    /// Operands of an LLM-sized GEMM without quantizing LLM-sized tensors: 64 stored weight rows
    /// repeat along N and 16 activation rows along M (every MAC still runs on the array).
    private func operands(_ format: String, _ granularity: Granularity?, m: Int, k: Int, n: Int) throws -> GemmOperands {
        let block = try FormatCatalog.parse(format, granularity: granularity).makeFormat()
            .quantize(try SyntheticTensor.llmLike(rows: 64, columns: k, seed: 5))
        let activations = try SyntheticTensor.llmLike(rows: min(m, 16), columns: k, seed: 6)
        return try GemmOperands(weights: block, outputs: n, activationBlock: activations, tokens: m)
    }

    private func bundled(_ pe: PEType, size: Int = 32) -> ArrayConfig {
        var config = ArrayConfig(peType: pe, rows: size, columns: size)
        config.weightLinkBits = size * 8
        return config
    }

    /// SCALE-Sim v3's reported cycles for C = A(M x K) * B(K x N): WS
    /// ceil(K/R) ceil(N/C) (2R + C + M - 2) - 1 and OS ceil(M/R) ceil(N/C) (R + C + K - 2) - 1.
    /// SCALE-Sim reports the index of its last cycle, so the array's cycles are one more; the DRAM's
    /// first read and last write (its compute report leaves memory out) are the only other cycles.
    func testSerialModeReproducesScaleSimClosedForms() throws {
        let model = try RTLModel.fresh()
        let shapes = [(m: 64, n: 64, k: 64), (m: 128, n: 256, k: 512), (m: 100, n: 300, k: 70), (m: 1, n: 4096, k: 4096)]
        let quoted: [String: UInt64] = ["32 ws 64": 631, "32 os 64": 503, "64 ws 1": 782_335, "64 os 1": 270_207]
        for size in [32, 64] {
            var config = bundled(.int, size: size)
            config.timing = .serial
            config.weightLinkBits = 1 << 24
            config.dramBitsPerCycle = 1 << 20
            config.dramLatencyCycles = 0
            (config.weightBufferBytes, config.activationBufferBytes, config.outputBufferBytes) = (1 << 30, 1 << 30, 1 << 30)
            (config.weightBufferBanks, config.activationBufferBanks, config.outputBufferBanks) = (4096, 4096, 4096)
            (config.weightBufferBankBits, config.activationBufferBankBits, config.outputBufferBankBits) = (4096, 4096, 4096)
            for shape in shapes {
                let job = try operands("int8", .channel, m: shape.m, k: shape.k, n: shape.n)
                for dataflow in Dataflow.allCases {
                    let (r, c) = (size, size)
                    let folds = dataflow == .weightStationary
                        ? (shape.k + r - 1) / r * ((shape.n + c - 1) / c) * (2 * r + c + shape.m - 2)
                        : (shape.m + r - 1) / r * ((shape.n + c - 1) / c) * (r + c + shape.k - 2)
                    let scaleSim = UInt64(folds - 1)
                    let result = try model.run(job, on: config, dataflow: dataflow, fidelity: .fast)
                    let array = result.counters["controller.compute_cycles"]! + result.counters["controller.preload_cycles"]!
                    let label = "\(size) \(dataflow.rawValue) \(shape.m)"
                    XCTAssertEqual(array - 1, scaleSim, label)
                    if let quote = quoted[label] { XCTAssertEqual(array - 1, quote, label) }
                    XCTAssertEqual(result.counters["controller.buffer_stall_cycles"] ?? 0, 0, label)
                }
            }
        }
        // The fast replay is the cycle-stepped schedule.
        var small = bundled(.int)
        small.timing = .serial
        let job = try operands("int8", .channel, m: 64, k: 64, n: 64)
        for dataflow in Dataflow.allCases {
            let cycle = try model.run(job, on: small, dataflow: dataflow)
            let fast = try model.run(job, on: small, dataflow: dataflow, fidelity: .fast)
            XCTAssertEqual(cycle.totalCycles, fast.totalCycles)
        }
    }

    /// An M = 1 GEMV whose weights arrive slower than the array takes them is as long as its DRAM
    /// traffic: the latencies of two formats stand as their bits do.
    func testDRAMBoundGemvLatencyFollowsTheBitsMoved() throws {
        let model = try RTLModel.fresh()
        var results: [String: GemmResult] = [:]
        for (name, pe, granularity) in [("int8", PEType.int, Granularity.channel), ("int4", .int, .group(64)),
                                        ("fp16", .fp16, nil), ("mant4", .mant, .group(64))] {
            var config = bundled(pe)
            config.dramBitsPerCycle = 64
            let result = try model.run(try operands(name, granularity, m: 1, k: 4096, n: 4096), on: config,
                                       dataflow: .weightStationary, fidelity: .fast)
            let bits = Double(result.counters["dram.read_bits"]! + result.counters["dram.write_bits"]!)
            XCTAssertGreaterThanOrEqual(Double(result.totalCycles), bits / 64, name)
            XCTAssertLessThan(Double(result.totalCycles), bits / 64 * 1.01, name)
            results[name] = result
        }
        func ratio(_ a: String, _ b: String) -> (cycles: Double, bits: Double) {
            (Double(results[a]!.totalCycles) / Double(results[b]!.totalCycles),
             Double(results[a]!.counters["dram.read_bits"]!) / Double(results[b]!.counters["dram.read_bits"]!))
        }
        for (a, b) in [("int4", "int8"), ("fp16", "int8"), ("mant4", "int4")] {
            let (cycles, bits) = ratio(a, b)
            XCTAssertEqual(cycles, bits, accuracy: bits * 0.03, "\(a) / \(b)")
        }
    }

    /// With the bundled 1024-bit DRAM the same GEMV is bound by the weight link (C x 8 bits a
    /// cycle): INT8 loads a row a cycle, FP16 half a row; both reach that bound.
    func testLinkBoundGemvLoadsAsFastAsTheLinkCarriesCodes() throws {
        let model = try RTLModel.fresh()
        for (name, pe, granularity) in [("int8", PEType.int, Granularity?.some(.channel)), ("fp16", .fp16, nil)] {
            let result = try model.run(try operands(name, granularity, m: 1, k: 4096, n: 4096), on: bundled(pe),
                                       dataflow: .weightStationary, fidelity: .fast)
            let link = Double(result.counters["controller.weight_link_bits"]!) / 256
            XCTAssertEqual(link, Double(4096 * 4096 * (name == "fp16" ? 16 : 8)) / 256)
            XCTAssertGreaterThanOrEqual(Double(result.totalCycles), link, name)
            XCTAssertLessThan(Double(result.totalCycles), link * 1.01, name)
        }
    }

    /// Two weight sets bound an M = 1 tile of 4-bit codes by the waves still crossing the array; a
    /// third set lets the link run at its rate, and the GEMV then takes as long as its codes need.
    func testAThirdWeightSetLetsFourBitCodesReachTheLink() throws {
        let model = try RTLModel.fresh()
        let job = try operands("int4", .group(64), m: 1, k: 4096, n: 4096)
        var config = bundled(.int)
        let two = try model.run(job, on: config, dataflow: .weightStationary, fidelity: .fast)
        config.weightSets = 3
        let three = try model.run(job, on: config, dataflow: .weightStationary, fidelity: .fast)
        let link = Double(three.counters["controller.weight_link_bits"]!) / 256
        XCTAssertGreaterThan(Double(two.totalCycles), link * 1.3)
        XCTAssertGreaterThanOrEqual(Double(three.totalCycles), link)
        XCTAssertLessThan(Double(three.totalCycles), link * 1.02)
        config.weightSets = 1
        XCTAssertThrowsError(try model.run(job, on: config, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("array.weight_sets"), "\($0)")
        }
    }

    /// Batch: decode latency stays flat while each tile's tokens take no longer than its weights
    /// take to load (M <= R x C x 8 / link = 32 here), then grows with M as the array binds.
    func testDecodeLatencyIsFlatUntilTheArrayBinds() throws {
        let model = try RTLModel.fresh()
        var cycles: [Int: Double] = [:]
        for m in [1, 4, 16, 28, 48, 60] {
            let result = try model.run(try operands("int8", .channel, m: m, k: 4096, n: 4096), on: bundled(.int),
                                       dataflow: .weightStationary, fidelity: .fast)
            cycles[m] = Double(result.totalCycles)
        }
        let tiles = Double(128 * 128)
        for m in [4, 16, 28] { XCTAssertEqual(cycles[m]!, cycles[1]!, accuracy: cycles[1]! * 0.03, "M = \(m)") }
        for m in [48, 60] {
            XCTAssertGreaterThanOrEqual(cycles[m]!, tiles * Double(m), "M = \(m)")
            XCTAssertEqual(cycles[m]!, tiles * Double(m), accuracy: tiles * Double(m) * 0.02, "M = \(m)")
        }
    }

    /// A prefill GEMM keeps the array busy when neither DRAM nor the link binds: utilization of at
    /// least 0.85 on every 32 x 32 PE type. Under the fixed nest FP16's M tiles are 32 tokens, and its
    /// codes take two cycles a row on the link, which then binds (and is reached).
    func testLargePrefillGemmReachesTheArrayBound() throws {
        let model = try RTLModel.fresh()
        let cases: [(String, PEType, Granularity?)] = [("int8", .int, .channel), ("int4", .int, .group(64)), ("mant4", .mant, .group(64)),
                                                      ("ant4", .ant, .group(64)), ("olive4", .olive, .channel), ("mxfp4", .mxfp4, nil),
                                                      ("nf4", .lut, .group(128)), ("fp16", .fp16, nil)]
        for (name, pe, granularity) in cases {
            let result = try model.run(try operands(name, granularity, m: 256, k: 4096, n: 4096), on: bundled(pe),
                                       dataflow: .weightStationary, fidelity: .fast)
            let macs = Double(256 * 4096 * 4096)
            let utilization = macs / (Double(result.totalCycles) * 1024)
            XCTAssertGreaterThanOrEqual(utilization, 0.85, name)
            XCTAssertLessThanOrEqual(utilization, 1, name)
            if pe == .fp16 {
                var fixed = bundled(pe)
                fixed.mapping = .fixed
                let nest = try model.run(try operands(name, granularity, m: 256, k: 4096, n: 4096), on: fixed,
                                         dataflow: .weightStationary, fidelity: .fast)
                let link = Double(nest.counters["controller.weight_link_bits"]!) / 256
                XCTAssertEqual(nest.mapping?.mTile, 32)
                XCTAssertEqual(Double(nest.totalCycles), link, accuracy: link * 0.02, name)
            }
        }
    }
}
