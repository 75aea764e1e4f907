import XCTest
import MantConfig
import MantHardware
import MantNumerics
@testable import MantSimulation
@testable import MantStudies

/// Accuracy beside cost: the numbers a run reports are the measures `quantize` and `kv-study`
/// report for the same tensors.
final class AccuracyTests: XCTestCase {
    /// A run's KV-cache SQNR is kv-study's for the scheme the architecture stores: the two-stage
    /// engine on the M-ANT array, FP16 on the FP16 array.
    func testKVAccuracyIsKVStudysMeasure() throws {
        var setup = KVStudy.Setup()
        setup.contexts = [130]
        let rows = try KVStudy.run(setup)
        let measure = KVCacheAccuracy(headDimension: 128)
        for (name, scheme) in [("mant", KVStudy.Scheme.mantTwoStage), ("fp16", .fp16)] {
            let study = try XCTUnwrap(rows.first { $0.scheme == scheme }?.sqnrDecibels)
            let run = try XCTUnwrap(try measure.attentionSQNR(of: try bundledArchitecture(name), context: 130))
            XCTAssertEqual(run, study, accuracy: 1e-9, name)
        }
        // INT8 K and V^T (groups of 64 along each) sit between FP16 and 4-bit M-ANT.
        let int8 = try XCTUnwrap(try measure.attentionSQNR(of: try bundledArchitecture("int8"), context: 130))
        XCTAssertLessThan(int8, try XCTUnwrap(rows.first { $0.scheme == .fp16 }?.sqnrDecibels))
        XCTAssertGreaterThan(int8, try XCTUnwrap(rows.first { $0.scheme == .mantTwoStage }?.sqnrDecibels))
    }

    /// The weight SQNR counts every weight the run quantized, as `quantize` measures one tensor.
    func testWeightAccuracyIsQuantizesMeasure() throws {
        let architecture = try bundledArchitecture("mant")
        let operands = SyntheticOperands(architecture: architecture, seed: 7)
        let tensor = try SyntheticTensor.llmLike(rows: 16, columns: 128, seed: 3)
        let quantized = try operands.quantizeWeights(tensor)
        let format = try architecture.weightFormat.makeFormat()
        let stats = QuantizationStats(original: tensor, reconstructed: try format.dequantize(quantized), bitsPerWeight: quantized.bitsPerWeight)
        XCTAssertEqual(try XCTUnwrap(operands.weightError.decibels), try XCTUnwrap(stats.sqnrDecibels), accuracy: 1e-9)
    }

    /// Every run carries its accuracy; formats with more bits show less error.
    func testRunsReportAccuracyBesideCost() throws {
        let rtl = try RTLModel.fresh()
        var results = [String: RunResult]()
        for name in ["fp16", "int8", "mant"] {
            let runner = try WorkloadRunner(architecture: try bundledArchitecture(name), energy: try energyTable(), rtl: rtl)
            results[name] = try runner.run(WorkloadRequest(model: tinyModel, promptLength: 70, generatedTokens: 2))
        }
        let weights = try ["fp16", "int8", "mant"].map { try XCTUnwrap(results[$0]!.accuracy?.weightSQNR) }
        XCTAssertEqual(weights, weights.sorted(by: >), "FP16 > INT8 > 4-bit M-ANT")
        XCTAssertTrue(results.values.allSatisfy { $0.accuracy?.kvContext == 72 && $0.accuracy?.weights == "synthetic" })
    }
}

/// ANT with an FP16 KV cache, as the M-ANT artifact runs it: attention on the FP16 attention unit.
final class AttentionUnitTests: XCTestCase {
    func testAttentionRunsOnTheUnitInTheCachesFormat() throws {
        let rtl = try RTLModel.fresh()
        let request = WorkloadRequest(model: tinyModel, promptLength: 70, generatedTokens: 2)
        let energy = try energyTable()
        let fp16KV = try WorkloadRunner(architecture: try bundledArchitecture("ant-kv16"), energy: energy, rtl: rtl).run(request)
        let ant = try WorkloadRunner(architecture: try bundledArchitecture("ant"), energy: energy, rtl: rtl).run(request)
        for phase in fp16KV.phases {
            for op in phase.operations where op.unit == "arrayKV" {
                XCTAssertGreaterThan(op.counters["pe.mac_fp16"] ?? 0, 0, op.name)
                XCTAssertEqual(op.counters.filter { $0.key.hasPrefix("pe.mac_ant") }.values.reduce(0, +), 0, op.name)
            }
            let projection = try XCTUnwrap(phase.operations.first { $0.name == "q_proj" })
            XCTAssertGreaterThan(projection.counters["pe.mac_ant_w8a8"] ?? 0, 0)
            // The projections are the same jobs on the same array.
            let same = try XCTUnwrap(ant.phase(phase.phase)?.operations.first { $0.name == "q_proj" })
            XCTAssertEqual(projection.cycles, same.cycles)
        }
        // The unit's 16 x 16 FP16 PEs add to the PE area; the FP16 cache is far more accurate.
        XCTAssertGreaterThan(fp16KV.area["pe"]!, ant.area["pe"]!)
        XCTAssertGreaterThan(fp16KV.accuracy!.kvAttentionSQNR!, ant.accuracy!.kvAttentionSQNR! + 30)
        XCTAssertEqual(fp16KV.accuracy?.weightSQNR, ant.accuracy?.weightSQNR)
    }
}

/// Equal accuracy: the fewest bits per weight that reach the target, and nothing cheaper that does.
final class IsoAccuracyTests: XCTestCase {
    func testTheCheapestFormatReachingTheTargetIsChosen() throws {
        let request = WorkloadRequest(model: tinyModel, promptLength: 16, generatedTokens: 1)
        for name in ["int8", "mant", "lut"] {
            let architecture = try bundledArchitecture(name)
            let candidates = try IsoAccuracy.candidates(of: architecture)
            XCTAssertGreaterThan(candidates.count, 1, name)
            let sqnr = try candidates.map { try XCTUnwrap(try IsoAccuracy.weightSQNR(of: $0, request: request)) }
            let target = sqnr.sorted()[sqnr.count / 2]
            let (choice, _) = try IsoAccuracy.choose(architecture, request: request, target: target)
            let chosen = try XCTUnwrap(choice, name)
            let index = try XCTUnwrap(candidates.firstIndex { $0.weightFormat == chosen.architecture.weightFormat })
            XCTAssertGreaterThanOrEqual(sqnr[index], target, name)
            XCTAssertTrue(sqnr[..<index].allSatisfy { $0 < target }, "\(name): a cheaper format reaches \(target) dB")
            XCTAssertEqual(chosen.architecture.array, architecture.array, "the hardware is not edited")
        }
        let (none, best) = try IsoAccuracy.choose(try bundledArchitecture("ant"), request: request, target: 60)
        XCTAssertNil(none)
        XCTAssertLessThan(try XCTUnwrap(best), 60)
    }

    /// A perplexity target: lower is better, the bound is relative to the FP32 model's, and the
    /// cheapest candidate within it is taken without measuring the dearer ones.
    func testAPerplexityTargetTakesTheCheapestFormatWithinIt() throws {
        let architecture = try bundledArchitecture("int8")
        let candidates = try IsoAccuracy.candidates(of: architecture)
        // A made-up perplexity that falls with each stored bit: 2^(8 - bits) above an FP32 of 10.
        func perplexity(_ candidate: ArchitectureConfig) -> Double { 10 * (1 + pow(2, Double(8 - candidate.weightFormat.bits)) / 100) }
        var measured = [String]()
        let (choice, value, best) = try IsoAccuracy.cheapest(architecture, target: .perplexity(percentAboveFP32: 5), fp32: 10) {
            measured.append($0.weightFormat.name)
            return perplexity($0)
        }
        // 2^(8 - b) <= 5 first holds at b = 6.
        XCTAssertEqual(choice?.weightFormat.name, "int6/channel")
        XCTAssertEqual(try XCTUnwrap(value), 10.4, accuracy: 1e-12)
        XCTAssertEqual(best, value)
        XCTAssertEqual(measured, candidates.prefix { $0.weightFormat.bits <= 6 }.map(\.weightFormat.name), "measured cheapest first, no further than needed")
        let (none, nothing, closest) = try IsoAccuracy.cheapest(architecture, target: .perplexity(percentAboveFP32: 0.5), fp32: 10, measure: perplexity)
        XCTAssertNil(none)
        XCTAssertNil(nothing)
        XCTAssertEqual(try XCTUnwrap(closest), 10.1, accuracy: 1e-12, "the best is the lowest perplexity")
    }

    func testTargetsParse() {
        XCTAssertEqual(IsoAccuracy.Target(parsing: "18"), .weightSQNR(decibels: 18))
        XCTAssertEqual(IsoAccuracy.Target(parsing: "sqnr:16.5"), .weightSQNR(decibels: 16.5))
        XCTAssertEqual(IsoAccuracy.Target(parsing: "ppl:+2%"), .perplexity(percentAboveFP32: 2))
        XCTAssertEqual(IsoAccuracy.Target(parsing: "PPL:0.5"), .perplexity(percentAboveFP32: 0.5))
        for bad in ["", "ppl:", "ppl:-1%", "ppl:+x%", "nan", "sqnr:inf", "18 dB", "ppl:+2%%"] {
            XCTAssertNil(IsoAccuracy.Target(parsing: bad), bad)
        }
    }
}
