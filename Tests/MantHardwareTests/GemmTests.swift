import Foundation
import XCTest
import MantNumerics
@testable import MantHardware

/// The SystemC array against the Swift reference GEMM, cycle model and counter conservation.
final class GemmTests: XCTestCase {
    static let formats: [(PEType, String, Granularity?)] = [
        (.mant, "mant4", .group(8)), (.mant, "mant3", .group(12)), (.int, "int4", .group(8)), (.int, "int8", .channel),
        (.ant, "ant4", .group(16)), (.olive, "olive4", .channel), (.mxfp4, "mxfp4", nil), (.fp16, "fp16", nil),
        (.lut, "nf4", .group(8)), (.lut, "nf2", .group(12)),
    ]

    private func operands(format name: String, granularity: Granularity?, m: Int, k: Int, n: Int, seed: UInt64,
                          activationBits: Int = 8) throws -> GemmOperands {
        let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: seed)
        let activations = try SyntheticTensor.llmLike(rows: m, columns: k, seed: seed + 1)
        let format = try FormatCatalog.parse(name, granularity: granularity).makeFormat()
        return try GemmOperands(weights: try format.quantize(weights), activations: activations, activationBits: activationBits)
    }

    private func config(_ pe: PEType, rows: Int = 8, columns: Int = 8) -> ArrayConfig {
        var config = ArrayConfig(peType: pe, rows: rows, columns: columns)
        config.dramLatencyCycles = 10
        return config
    }

    func testEveryPETypeMatchesTheReferenceBitForBitInBothDataflows() throws {
        let model = try RTLModel.fresh()
        // Shapes off every multiple: of the array (8), of the groups, and M = 1 (decode).
        let shapes = [(m: 1, k: 40, n: 13), (m: 11, k: 37, n: 9), (m: 20, k: 64, n: 24)]
        for (pe, name, granularity) in GemmTests.formats {
            for (index, shape) in shapes.enumerated() {
                let job = try operands(format: name, granularity: granularity, m: shape.m, k: shape.k, n: shape.n,
                                       seed: UInt64(100 + index))
                let expected = try GemmReference.run(job)
                for dataflow in Dataflow.allCases {
                    let result = try model.run(job, on: config(pe), dataflow: dataflow)
                    XCTAssertEqual(result.output.map(\.bitPattern), expected.map(\.bitPattern),
                                   "\(name) \(dataflow) \(shape)")
                }
            }
        }
    }

    /// The quantized GEMM lands near the FP32 GEMM of the unquantized operands (so the bit-exact
    /// comparison above is between real results, not two zero matrices).
    func testRepeatingOperandsMatchTheReferenceAndTheirFullForm() throws {
        let model = try RTLModel.fresh()
        for (pe, name, granularity) in GemmTests.formats {
            let format = try FormatCatalog.parse(name, granularity: granularity).makeFormat()
            let block = try format.quantize(try SyntheticTensor.llmLike(rows: 5, columns: 40, seed: 7))
            let activations = try SyntheticTensor.llmLike(rows: 3, columns: 40, seed: 8)
            // 13 output channels repeat the 5 stored rows; 7 tokens repeat the 3 activation rows.
            let job = try GemmOperands(weights: block, outputs: 13, activationBlock: activations, tokens: 7)
            XCTAssertEqual([job.m, job.k, job.n, job.weightRowPeriod], [7, 40, 13, 5])
            let expected = try GemmReference.run(job)
            for dataflow in Dataflow.allCases {
                let result = try model.run(job, on: config(pe), dataflow: dataflow)
                XCTAssertEqual(result.output.map(\.bitPattern), expected.map(\.bitPattern), "\(name) \(dataflow)")
            }
            // Output channel n is channel n % 5 of the block, token m is token m % 3.
            let single = try GemmReference.run(try GemmOperands(weights: block, activations: activations))
            for m in 0..<7 {
                for n in 0..<13 { XCTAssertEqual(expected[m * 13 + n].bitPattern, single[(m % 3) * 5 + n % 5].bitPattern, name) }
            }
        }
        let block = try FormatCatalog.parse("int4").makeFormat().quantize(try SyntheticTensor.llmLike(rows: 2, columns: 8, seed: 1))
        XCTAssertThrowsError(try GemmOperands(weights: block, outputs: 0, activationBlock: try SyntheticTensor.llmLike(rows: 1, columns: 8, seed: 2), tokens: 1))
    }

    func testOutputsTrackTheFloatGemm() throws {
        let model = try RTLModel.fresh()
        let (m, k, n) = (4, 128, 16)
        let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: 11)
        let activations = try SyntheticTensor.llmLike(rows: m, columns: k, seed: 12)
        let job = try GemmOperands(weights: try MANTFormat().quantize(weights), activations: activations)
        let result = try model.run(job, on: config(.mant), dataflow: .weightStationary)
        var signal = 0.0, noise = 0.0
        for row in 0..<m {
            for column in 0..<n {
                var exact = 0.0
                for step in 0..<k { exact += Double(weights.values[column * k + step]) * Double(activations.values[row * k + step]) }
                signal += exact * exact
                noise += pow(exact - Double(result.output[row * n + column]), 2)
            }
        }
        XCTAssertGreaterThan(signal, 0)
        XCTAssertGreaterThan(10 * log10(signal / noise), 15, "W4A8 M-ANT GEMM should keep > 15 dB SQNR")
    }

    /// The benchmark's yardstick computes the same numbers, so its timing compares like with like.
    func testNativeLoopMatchesTheReference() throws {
        for (pe, name, granularity) in GemmTests.formats {
            let job = try operands(format: name, granularity: granularity, m: 3, k: 70, n: 11, seed: 21)
            XCTAssertEqual(try NativeGemm.run(job, on: config(pe)).map(\.bitPattern), try GemmReference.run(job).map(\.bitPattern), name)
        }
    }

    func testFourBitActivationsAndAWideArray() throws {
        let model = try RTLModel.fresh()
        let job = try operands(format: "mant4", granularity: .group(32), m: 5, k: 96, n: 40, seed: 7, activationBits: 4)
        let expected = try GemmReference.run(job)
        for dataflow in Dataflow.allCases {
            let result = try model.run(job, on: config(.mant, rows: 16, columns: 32), dataflow: dataflow)
            XCTAssertEqual(result.output.map(\.bitPattern), expected.map(\.bitPattern), "\(dataflow)")
            XCTAssertEqual(result.counters["pe.mac_w3a4"], 5 * 96 * 40)
        }
    }

    /// Serial timing, DRAM keeping up: the array's cycles (preload + compute) are SCALE-Sim's folds,
    /// WS (2R + C + m_t - 2) per (K tile, N tile) and OS (K + R + C - 2) per (M tile, N tile); the
    /// pipelined default never takes longer and never loses a cycle to bookkeeping.
    func testSerialCyclesAreTheFoldsAndPipelinedTilesOverlapThem() throws {
        let model = try RTLModel.fresh()
        let (m, k, n, rows, columns) = (13, 50, 21, 8, 8)
        let job = try operands(format: "int4", granularity: .group(8), m: m, k: k, n: n, seed: 3)
        let kTiles = (k + rows - 1) / rows, nTiles = (n + columns - 1) / columns, mTiles = (m + rows - 1) / rows
        var serial = config(.int, rows: rows, columns: columns)
        serial.timing = .serial
        serial.weightLinkBits = 1 << 20
        let ws = try model.run(job, on: serial, dataflow: .weightStationary)
        let array = { (result: GemmResult) in result.counters["controller.compute_cycles"]! + result.counters["controller.preload_cycles"]! }
        XCTAssertEqual(array(ws), UInt64(kTiles * nTiles * (2 * rows + columns + m - 2)))
        let os = try model.run(job, on: serial, dataflow: .outputStationary)
        XCTAssertEqual(array(os), UInt64(mTiles * nTiles * (k + rows + columns - 2)))
        for dataflow in Dataflow.allCases {
            let pipelined = try model.run(job, on: config(.int, rows: rows, columns: columns), dataflow: dataflow)
            let folded = dataflow == .weightStationary ? ws : os
            XCTAssertLessThan(pipelined.totalCycles, folded.totalCycles, "\(dataflow)")
            XCTAssertEqual(pipelined.output.map(\.bitPattern), folded.output.map(\.bitPattern))
            for result in [pipelined, folded] {
                XCTAssertEqual(result.totalCycles, result.counters["controller.cycles"])
                XCTAssertEqual(result.totalCycles, result.computeCycles + result.stallCycles)
                let phases = ["compute", "preload", "stall", "drain", "buffer_stall"].map { result.counters["controller.\($0)_cycles"] ?? 0 }
                XCTAssertEqual(phases.reduce(0, +), result.totalCycles)
            }
        }
    }

    /// A narrow activation-buffer port stretches every tile to the cycles the port needs to deliver
    /// its tokens (mt x kt x 8 bits at 16 bits a cycle), which then bound the job.
    func testNarrowBufferPortBoundsTheJobByWhatItCannotDeliver() throws {
        let model = try RTLModel.fresh()
        let (m, k, n, rows, columns) = (6, 20, 8, 8, 8)
        let job = try operands(format: "int4", granularity: .group(4), m: m, k: k, n: n, seed: 13)
        var narrow = config(.int, rows: rows, columns: columns)
        narrow.activationBufferBanks = 1
        narrow.activationBufferBankBits = 16  // two INT8 activations per cycle
        let result = try model.run(job, on: narrow, dataflow: .weightStationary)
        let wide = try model.run(job, on: config(.int, rows: rows, columns: columns), dataflow: .weightStationary)
        let portCycles = stride(from: 0, to: k, by: rows).map { (m * min(rows, k - $0) * 8 + 15) / 16 }.reduce(0, +)
        XCTAssertGreaterThanOrEqual(result.totalCycles, UInt64(portCycles + rows + columns - 2))
        XCTAssertGreaterThan(result.totalCycles, wide.totalCycles)
        XCTAssertEqual(result.output.map(\.bitPattern), try GemmReference.run(job).map(\.bitPattern))
        narrow.activationBufferBanks = 0
        XCTAssertThrowsError(try model.run(job, on: narrow, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("buffers.activation"), "\($0)")
        }
    }

    /// Every PE type counts its MACs on its own counter, named by the widths it multiplies.
    func testEachPETypeCountsItsOwnMACs() throws {
        let model = try RTLModel.fresh()
        let expected: [(String, Granularity?, PEType, String)] = [
            ("int8", .channel, .int, "pe.mac_w8a8"), ("int4", .group(8), .int, "pe.mac_w4a8"), ("mant4", .group(8), .mant, "pe.mac_w3a8"),
            ("ant4", .group(16), .ant, "pe.mac_ant_w8a8"), ("olive4", .channel, .olive, "pe.mac_olive_w8a8"),
            ("mxfp4", nil, .mxfp4, "pe.mac_mxfp4_w5a8"), ("fp16", nil, .fp16, "pe.mac_fp16"), ("nf4", .group(8), .lut, "pe.mac_fp16"),
        ]
        for (name, granularity, pe, counter) in expected {
            let job = try operands(format: name, granularity: granularity, m: 3, k: 32, n: 16, seed: 4)
            let result = try model.run(job, on: config(pe), dataflow: .weightStationary)
            let macs = result.counters.filter { $0.key.hasPrefix("pe.mac_") && $0.value > 0 }
            XCTAssertEqual(macs, [counter: UInt64(3 * 32 * 16)], name)
            XCTAssertEqual(pe.kind(weightBits: job.weights.format.bits).macCounter, counter, "the kind record names the counter the run uses")
        }
        // The VQ array multiplies FP16 decoder outputs: FP16 MACs (its PEs are FP16 PEs).
        XCTAssertEqual(PEType.vq.kind().macCounter, "pe.mac_fp16")
        XCTAssertEqual(PEType.int.kind(weightBits: 4, activationBits: 4).macCounter, "pe.mac_w4a4")
        XCTAssertEqual(PEType.allCases.filter { $0.kind().multipliesFP16 }, [.fp16, .lut, .vq])
        XCTAssertEqual(PEType.allCases.filter { $0.kind().shiftLane }, [.mant])
    }

    func testCountersAreConserved() throws {
        let model = try RTLModel.fresh()
        let (m, k, n) = (6, 45, 19)
        let job = try operands(format: "mant4", granularity: .group(16), m: m, k: k, n: n, seed: 5)
        for dataflow in Dataflow.allCases {
            let result = try model.run(job, on: config(.mant), dataflow: dataflow)
            let c = result.counters
            XCTAssertEqual(c["pe.mac_w3a8"], UInt64(m * n * k), "every product once")
            XCTAssertEqual(c["sac.scale_accumulate"], UInt64(m * n * 3), "one SAC per output per group (3 groups of 16 in 45)")
            XCTAssertEqual(c["sac.combine"], c["sac.scale_accumulate"])
            XCTAssertEqual(c["output.scale"], UInt64(m * n))
            XCTAssertEqual(c["pe.mac_w3a8"]! + c["pe.idle"]!, c["controller.array_busy_cycles"]! * 64)
            XCTAssertEqual(c["controller.array_busy_cycles"], c["controller.compute_cycles"])
            // Shift-adds: every product of a group whose selector is not linear.
            let selectors = try job.weights.field("selector").values
            var shifted = 0
            for row in 0..<n {
                for group in 0..<3 where selectors[row * 3 + group] != 15 { shifted += min(16, k - group * 16) }
            }
            XCTAssertEqual(c["pe.shift_add"], UInt64(shifted * m))
            // DRAM: weights (codes + metadata) once per M tile, activations once, outputs once.
            let weightBits = n * k * 4 + n * 3 * 20
            XCTAssertEqual(c["dram.read_bits"], UInt64(weightBits + m * (k * 8 + 16)), "\(dataflow)")
            XCTAssertEqual(c["dram.write_bits"], UInt64(m * n * 32))
            XCTAssertEqual(c["wbuf.write_bits"], c["wbuf.read_bits"])
            XCTAssertEqual(c["decoder.lookup"], UInt64(n * k))
        }
    }

    /// A decode step whose weights arrive slower than the array consumes them: the job takes as
    /// long as DRAM needs to move every bit, and the difference shows up as stall cycles.
    func testBandwidthStarvedJobStallsByWhatTheBandwidthImplies() throws {
        let model = try RTLModel.fresh()
        let (m, k, n) = (1, 256, 64)
        let job = try operands(format: "int8", granularity: .channel, m: m, k: k, n: n, seed: 9)
        var starved = config(.int)
        starved.dramBitsPerCycle = 16
        starved.dramLatencyCycles = 0
        let result = try model.run(job, on: starved, dataflow: .weightStationary)
        let bits = result.counters["dram.read_bits"]! + result.counters["dram.write_bits"]!
        let transferCycles = (bits + 15) / 16
        XCTAssertGreaterThanOrEqual(result.totalCycles, transferCycles)
        // Only the last tile's compute (and its output write) can hide after the last read.
        let lastTile = UInt64(m + 8 + 8 - 2) + 1
        XCTAssertLessThanOrEqual(result.totalCycles, transferCycles + lastTile + 2)
        XCTAssertGreaterThan(result.stallCycles, result.computeCycles)
        XCTAssertEqual(result.counters["dram.busy_cycles"], transferCycles)
    }

    func testBadConfigurationsAreRejectedWithTheField() throws {
        let model = try RTLModel.fresh()
        let job = try operands(format: "mant4", granularity: .group(8), m: 2, k: 16, n: 8, seed: 1)
        var zero = config(.mant)
        zero.rows = 0
        XCTAssertThrowsError(try model.run(job, on: zero, dataflow: .weightStationary)) { XCTAssertTrue("\($0)".contains("rows")) }
        var tiny = config(.mant)
        tiny.weightBufferBytes = 8
        XCTAssertThrowsError(try model.run(job, on: tiny, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("buffers.weight_bytes"), "\($0)")
        }
        var noActivations = config(.mant)
        noActivations.activationBufferBytes = 4
        XCTAssertThrowsError(try model.run(job, on: noActivations, dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("buffers.activation_bytes"), "\($0)")
        }
        XCTAssertThrowsError(try model.run(job, on: config(.int), dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("pe_type"), "\($0)")
        }
        // A LUT index past the end of its table is named, not read out of bounds.
        var lut = try operands(format: "nf2", granularity: .group(8), m: 2, k: 16, n: 8, seed: 3).weights
        lut.codes.bitWidth = 3
        lut.codes.values[5] = 6
        let badIndex = try GemmOperands(weights: lut, activations: try SyntheticTensor.llmLike(rows: 2, columns: 16, seed: 4))
        XCTAssertThrowsError(try model.run(badIndex, on: config(.lut), dataflow: .weightStationary)) {
            XCTAssertTrue("\($0)".contains("index 6 is outside the table of 4 entries"), "\($0)")
        }
        // The model still runs after rejected jobs.
        XCTAssertNoThrow(try model.run(job, on: config(.mant), dataflow: .weightStationary))
    }
}

/// Fast fidelity replays repeated tiles; it must agree with stepping every tile.
final class FastFidelityTests: XCTestCase {
    func testFastModeAgreesWithCycleModeWithinOnePercent() throws {
        let model = try RTLModel.fresh()
        let cases: [(String, Granularity?, Int, Int, Int, Int)] = [
            ("mant4", .group(64), 24, 512, 200, 32), ("int4", .group(32), 1, 700, 96, 32),
            ("int8", .channel, 40, 256, 64, 16), ("fp16", nil, 9, 300, 70, 16),
        ]
        for (name, granularity, m, k, n, size) in cases {
            let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: 31)
            let activations = try SyntheticTensor.llmLike(rows: m, columns: k, seed: 32)
            let format = try FormatCatalog.parse(name, granularity: granularity).makeFormat()
            let job = try GemmOperands(weights: try format.quantize(weights), activations: activations)
            var config = ArrayConfig(peType: PEType(format: format.descriptor)!, rows: size, columns: size)
            config.dramBitsPerCycle = 256
            for dataflow in Dataflow.allCases {
                let cycle = try model.run(job, on: config, dataflow: dataflow, fidelity: .cycle)
                let fast = try model.run(job, on: config, dataflow: dataflow, fidelity: .fast)
                XCTAssertEqual(fast.totalCycles, cycle.totalCycles, "\(name) \(dataflow)")
                XCTAssertTrue(fast.output.isEmpty)
                for (counter, value) in cycle.counters {
                    let other = Double(fast.counters[counter] ?? 0)
                    XCTAssertEqual(other, Double(value), accuracy: max(1, Double(value) * 0.01), "\(name) \(dataflow) \(counter)")
                }
            }
        }
    }
}
