import XCTest
import MantConfig
import MantHardware
import MantNumerics
import MantWorkload
@testable import MantSimulation

final class AttentionStepTests: XCTestCase {
    /// heads 4 over 2 KV heads, head dimension 64.
    let model = ModelConfig(name: "tiny-gqa", hiddenSize: 256, intermediateSize: 512, heads: 4, kvHeads: 2, layers: 1,
                            vocabularySize: 100, maxPositions: 512, ffn: .gated, hasBiases: false, tiedEmbeddings: false)

    func testWindowBoundariesAndGroupedQueries() throws {
        let step = AttentionStep(architecture: try bundledArchitecture("mant"), energy: try energyTable(), rtl: try RTLModel.fresh())
        for context in [63, 64, 65, 130] {
            let report = try step.run(model: model, context: context)
            let names = report.parts.map(\.name)
            let open = context % 64
            XCTAssertEqual(names.contains("open_window_values"), open > 0, "\(context)")
            XCTAssertEqual(names.contains("attention_values"), context >= 64, "\(context)")
            // Q*K^T: per KV head M = 2 query heads, K = 64, N = context; both KV heads.
            let scores = report.parts.first { $0.name == "attention_scores" }!
            XCTAssertEqual(scores.counters["pe.mac_w3a8"], UInt64(2 * 2 * 64 * context), "\(context)")
            if let values = report.parts.first(where: { $0.name == "attention_values" }) {
                XCTAssertEqual(values.counters["pe.mac_w3a8"], UInt64(2 * 2 * 64 * (context - open)))
            }
            let engine = report.parts.first { $0.name == "kv_engine" }!
            XCTAssertEqual(engine.counters["kv.key_vectors"], 2, "one new K vector per KV head")
            XCTAssertEqual(engine.counters["kv.window_flushes"], context % 64 == 0 ? 2 : 0)
            XCTAssertGreaterThan(report.sqnrDecibels!, 12, "\(context)")
            XCTAssertLessThan(report.sqnrDecibels!, 40)
            XCTAssertEqual(report.cycles, max(report.attentionCycles, report.engineCycles))
        }
    }

    func testOtherArraysReadTheirKVFormatAndBatchScales() throws {
        let step = AttentionStep(architecture: try bundledArchitecture("int8"), energy: try energyTable(), rtl: try RTLModel.fresh())
        let one = try step.run(model: model, context: 100)
        let two = try step.run(model: model, context: 100, batch: 2)
        XCTAssertEqual(one.parts.map(\.name), ["attention_scores", "softmax", "attention_values"])
        XCTAssertEqual(two.cycles, 2 * one.cycles)
        XCTAssertEqual(two.sqnrDecibels, one.sqnrDecibels)
        XCTAssertGreaterThan(one.sqnrDecibels!, 20, "INT8 KV groups of 64")
        XCTAssertNil(one.engineStepCycles)
    }

    /// A VQ array reads an FP16 cache past its decoder, or a CQ-coded one through it: one lookup
    /// per vector of K (along the head dimension) and of V^T (across head channels), fewer DRAM
    /// bits as the code narrows, and less accuracy.
    func testVQArraysReadACodedCacheThroughTheDecoder() throws {
        let rtl = try RTLModel.fresh()
        var reports = [String: AttentionStep.Report]()
        for name in ["vq", "vq-cq4", "vq-cq2"] {
            let report = try AttentionStep(architecture: try bundledArchitecture(name), energy: try energyTable(), rtl: rtl).run(model: model, context: 100)
            XCTAssertEqual(report.parts.map(\.name), ["attention_scores", "softmax", "attention_values"], name)
            reports[name] = report
        }
        func lookups(_ name: String, _ part: String, v: Int) -> UInt64 {
            let counters = reports[name]!.parts.first { $0.name == part }!.counters
            return ((counters["decoder.codebook_read_bits"] ?? 0) + (counters["decoder.hot_read_bits"] ?? 0)) / UInt64(16 * v)
        }
        XCTAssertEqual(lookups("vq", "attention_scores", v: 2), 0)
        for (name, v) in [("vq-cq4", 2), ("vq-cq2", 4)] {
            // Two KV heads, each K [100, 64] and V^T [64, 100]: 6400 values per cache over both heads.
            XCTAssertEqual(lookups(name, "attention_scores", v: v), UInt64(2 * 100 * 64 / v), name)
            XCTAssertEqual(lookups(name, "attention_values", v: v), UInt64(2 * 64 * 100 / v), name)
        }
        func dramBits(_ name: String) -> UInt64 { reports[name]!.parts.reduce(0) { $0 + ($1.counters["dram.read_bits"] ?? 0) } }
        XCTAssertGreaterThan(dramBits("vq"), dramBits("vq-cq4"))
        XCTAssertGreaterThan(dramBits("vq-cq4"), dramBits("vq-cq2"))
        let (fp16, cq4, cq2) = (reports["vq"]!.sqnrDecibels!, reports["vq-cq4"]!.sqnrDecibels!, reports["vq-cq2"]!.sqnrDecibels!)
        XCTAssertGreaterThan(fp16, cq4)
        XCTAssertGreaterThan(cq4, cq2)
        XCTAssertGreaterThan(cq2, 3)
    }

    func testImpossibleStepsAreNamed() throws {
        let step = AttentionStep(architecture: try bundledArchitecture("mant"), energy: try energyTable(), rtl: try RTLModel.fresh())
        XCTAssertThrowsError(try step.run(model: model, context: 0, batch: 0)) { error in
            XCTAssertTrue("\(error)".contains("context: at least 1"), "\(error)")
            XCTAssertTrue("\(error)".contains("batch"), "\(error)")
        }
        XCTAssertThrowsError(try step.run(model: model, context: 600)) { XCTAssertTrue("\($0)".contains("max_position_embeddings 512")) }
        let odd = ModelConfig(name: "odd", hiddenSize: 96 * 2, intermediateSize: 64, heads: 2, kvHeads: 2, layers: 1,
                              vocabularySize: 10, maxPositions: 64, ffn: .gated, hasBiases: false, tiedEmbeddings: false)
        XCTAssertThrowsError(try step.run(model: odd, context: 10)) { XCTAssertTrue("\($0)".contains("head dimension 96"), "\($0)") }
    }
}
