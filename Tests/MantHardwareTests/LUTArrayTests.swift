import XCTest
import MantConfig
import MantNumerics
@testable import MantHardware

/// The LUT array with its group scale at the decoder (FLUTE's FP16 W = table[q] * s) and in the
/// SAC row (each group's FP32 sum scaled once): bit-exact with the reference, counted apart.
final class LUTArrayTests: XCTestCase {
    /// NF2/NF3/NF4 and a learned (user) 3-bit table; groups that run across K tiles of 8 rows.
    private func jobs(m: Int, k: Int, n: Int, seed: UInt64) throws -> [(String, GemmOperands)] {
        let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: seed)
        let activations = try SyntheticTensor.llmLike(rows: m, columns: k, seed: seed + 1)
        let learned: [Float] = [-1, -0.55, -0.25, -0.05, 0.08, 0.3, 0.62, 1]
        let formats = [try FormatCatalog.parse("nf4", granularity: .group(8)), try FormatCatalog.parse("nf3", granularity: .group(12)),
                       try FormatCatalog.parse("nf2", granularity: .group(32)),
                       try FormatCatalog.parse("lut", granularity: .group(12), table: learned)]
        return try formats.map { format in
            (format.name, try GemmOperands(weights: try format.makeFormat().quantize(weights), activations: activations))
        }
    }

    private func config(_ scale: LUTScale) -> ArrayConfig {
        var config = ArrayConfig(peType: .lut, rows: 8, columns: 8)
        config.dramLatencyCycles = 10
        config.lutScale = scale
        return config
    }

    func testBothScalePlacementsMatchTheReferenceInBothDataflows() throws {
        let model = try RTLModel.fresh()
        for shape in [(m: 1, k: 40, n: 13), (m: 11, k: 64, n: 9)] {
            for (name, job) in try jobs(m: shape.m, k: shape.k, n: shape.n, seed: 31) {
                for scale in LUTScale.allCases {
                    let expected = try GemmReference.run(job, lutScale: scale)
                    XCTAssertEqual(try NativeGemm.run(job, on: config(scale)).map(\.bitPattern), expected.map(\.bitPattern), "\(name) \(scale) native")
                    for dataflow in Dataflow.allCases {
                        let result = try model.run(job, on: config(scale), dataflow: dataflow)
                        XCTAssertEqual(result.output.map(\.bitPattern), expected.map(\.bitPattern), "\(name) \(scale) \(dataflow) \(shape)")
                    }
                }
            }
        }
    }

    /// Decoder placement: one FP16 multiply per weight decoded (per tile pass); SAC placement: one
    /// FP32 scale-accumulate per token, output and group, and none at the decoder.
    func testEachPlacementCountsItsOwnScaling() throws {
        let model = try RTLModel.fresh()
        let (m, k, n) = (6, 40, 16)
        let (_, job) = try jobs(m: m, k: k, n: n, seed: 5)[0]  // nf4, groups of 8
        for dataflow in Dataflow.allCases {
            let atDecoder = try model.run(job, on: config(.decoder), dataflow: dataflow)
            let inSAC = try model.run(job, on: config(.sac), dataflow: dataflow)
            let mTiles = dataflow == .weightStationary ? 1 : (m + 7) / 8
            XCTAssertEqual(atDecoder.counters["decoder.scale"], UInt64(n * k * mTiles), "\(dataflow)")
            XCTAssertEqual(atDecoder.counters["sac.scale_accumulate"], 0)
            XCTAssertEqual(inSAC.counters["decoder.scale"], 0)
            XCTAssertEqual(inSAC.counters["sac.scale_accumulate"], UInt64(m * n * (k / 8)), "\(dataflow)")
            XCTAssertEqual(inSAC.counters["pe.mac_fp16"], atDecoder.counters["pe.mac_fp16"])
            XCTAssertEqual(inSAC.counters["decoder.lookups"], atDecoder.counters["decoder.lookups"])
        }
    }

    /// Rounding W = table[q] * s to FP16 is the decoder placement's only extra error: the SAC
    /// placement lands nearer the FP32 GEMM of the dequantized weights.
    func testScalingInTheSACAvoidsTheFP16WeightRounding() throws {
        let (_, job) = try jobs(m: 8, k: 256, n: 32, seed: 41)[0]
        let format = try FormatCatalog.parse("nf4", granularity: .group(8)).makeFormat()
        let w = try format.dequantize(job.weights).values
        let x = job.activationHalfCodes.map { MiniFloat.fp16.decode($0) }
        func error(_ scale: LUTScale) throws -> Double {
            let y = try GemmReference.run(job, lutScale: scale)
            var total = 0.0
            for row in 0..<job.m {
                for column in 0..<job.n {
                    var exact = 0.0
                    for step in 0..<job.k { exact += Double(w[column * job.k + step]) * Double(x[row * job.k + step]) }
                    total += abs(exact - Double(y[row * job.n + column]))
                }
            }
            return total
        }
        XCTAssertLessThan(try error(.sac), try error(.decoder))
    }

    func testArchitectureFilesChooseThePlacement() throws {
        let text = """
            name: LUT
            pe: lut
            clock_mhz: 500
            array: {rows: 32, columns: 32}
            buffers: {weight_bytes: 131072, activation_bytes: 262144, output_bytes: 131072}
            dram: {bits_per_cycle: 1024, latency_cycles: 100}
            formats: {weights: nf4, group: 128, activation_bits: 16, kv: fp16}
            """
        XCTAssertEqual(try ArchitectureConfig.parse(text, path: "lut.yaml").array.lutScale, .decoder)
        XCTAssertEqual(try ArchitectureConfig.parse(text + "\ndecoder: {scale: sac}", path: "lut.yaml").array.lutScale, .sac)
        XCTAssertThrowsError(try ArchitectureConfig.parse(text + "\ndecoder: {scale: pe}", path: "lut.yaml")) {
            XCTAssertTrue("\($0)".contains("lut.yaml") && "\($0)".contains("decoder.scale") && "\($0)".contains("decoder, sac"), "\($0)")
        }
        XCTAssertThrowsError(try ArchitectureConfig.parse(text + "\ndecoder: {hot_entries: 4}", path: "lut.yaml")) {
            XCTAssertTrue("\($0)".contains("decoder.hot_entries") && "\($0)".contains("VQ"), "\($0)")
        }
    }
}
