import XCTest
import MantHardware
import MantNumerics
import MantWorkload
@testable import MantSimulation

/// Weights by name from a dictionary: what a checkpoint file hands the runner.
struct DictionaryWeights: WeightSource {
    var tensors: [String: Tensor]
    var label: String { "test checkpoint" }
    func tensor(named name: String) throws -> Tensor? { tensors[name] }
}

final class CheckpointWeightsTests: XCTestCase {
    /// Small enough that quantizing every layer's real weights takes a moment in a debug build.
    let small = ModelConfig(name: "small", hiddenSize: 128, intermediateSize: 128, heads: 2, kvHeads: 2, layers: 2,
                            vocabularySize: 64, maxPositions: 128, ffn: .gated, hasBiases: false, tiedEmbeddings: true)

    /// Every weight tinyModel's array operators read, layer by layer, seeded per name.
    func checkpoint(_ model: ModelConfig) throws -> [String: Tensor] {
        var tensors = [String: Tensor]()
        let h = model.hiddenSize, kv = model.kvHeads * model.headDimension, i = model.intermediateSize
        let shapes: [(String, Int, Int)] = [("self_attn.q_proj", h, h), ("self_attn.k_proj", kv, h), ("self_attn.v_proj", kv, h),
                                            ("self_attn.o_proj", h, h), ("mlp.gate_proj", i, h), ("mlp.up_proj", i, h), ("mlp.down_proj", h, i)]
        for layer in 0..<model.layers {
            for (index, (name, rows, columns)) in shapes.enumerated() {
                tensors["model.layers.\(layer).\(name).weight"] = try SyntheticTensor.llmLike(rows: rows, columns: columns,
                                                                                              seed: UInt64(100 * layer + index))
            }
        }
        tensors["model.embed_tokens.weight"] = try SyntheticTensor.llmLike(rows: model.vocabularySize, columns: h, seed: 999)
        return tensors
    }

    func testRealWeightsRunLayerByLayer() throws {
        let runner = try WorkloadRunner(architecture: try bundledArchitecture("mant"), energy: try energyTable(), rtl: try RTLModel.fresh())
        var request = WorkloadRequest(model: small, promptLength: 20, generatedTokens: 2)
        let synthetic = try runner.run(request)
        request.weights = DictionaryWeights(tensors: try checkpoint(small))
        let real = try runner.run(request)
        for (a, b) in zip(synthetic.phases, real.phases) {
            XCTAssertEqual(a.operations.map(\.name), b.operations.map(\.name))
            XCTAssertEqual(a.cycles, b.cycles, "the same shapes take the same cycles")
            let q = b.operations.first { $0.name == "q_proj" }!
            XCTAssertEqual(q.instances, a.operations.first { $0.name == "q_proj" }!.instances)
            XCTAssertEqual(q.macs, a.operations.first { $0.name == "q_proj" }!.macs)
            XCTAssertNotEqual(q.counters["pe.shift_add"], a.operations.first { $0.name == "q_proj" }!.counters["pe.shift_add"],
                              "shift-adds follow the weights' M-ANT selectors")
        }
    }

    func testMissingAndMisshapenTensorsAreAllNamedBeforeAnythingRuns() throws {
        var tensors = try checkpoint(tinyModel)
        tensors["model.layers.1.mlp.down_proj.weight"] = nil
        tensors["model.layers.0.self_attn.k_proj.weight"] = try SyntheticTensor.llmLike(rows: 3, columns: 3, seed: 1)
        tensors["model.embed_tokens.weight"] = nil
        let runner = try WorkloadRunner(architecture: try bundledArchitecture("int8"), energy: try energyTable(), rtl: try RTLModel.fresh())
        let request = WorkloadRequest(model: tinyModel, promptLength: 20, generatedTokens: 2, weights: DictionaryWeights(tensors: tensors))
        XCTAssertThrowsError(try runner.run(request)) { error in
            let text = "\(error)"
            for needle in ["test checkpoint: model.layers.1.mlp.down_proj.weight: missing",
                           "model.layers.0.self_attn.k_proj.weight: shape [3, 3], but tiny implies [128, 256]",
                           "lm_head.weight or model.embed_tokens.weight: missing"] {
                XCTAssertTrue(text.contains(needle), "missing '\(needle)' in\n\(text)")
            }
        }
    }

    func testCheckpointNamesFollowTheModelFamily() {
        let opt = ModelConfig(name: "opt", hiddenSize: 64, intermediateSize: 256, heads: 2, kvHeads: 2, layers: 1, vocabularySize: 10,
                              maxPositions: 64, ffn: .mlp, hasBiases: true, tiedEmbeddings: true)
        let op = { (name: String) in Operation(name: name, unit: .array, m: 1, k: 1, n: 1, repeats: 1) }
        XCTAssertEqual(opt.checkpointNames(of: op("o_proj"), layer: 3), ["model.decoder.layers.3.self_attn.out_proj.weight"])
        XCTAssertEqual(opt.checkpointNames(of: op("fc2"), layer: 0), ["model.decoder.layers.0.fc2.weight"])
        XCTAssertEqual(opt.checkpointNames(of: op("lm_head"), layer: 0), ["lm_head.weight", "model.decoder.embed_tokens.weight"])
        XCTAssertEqual(tinyModel.checkpointNames(of: op("gate_proj"), layer: 1), ["model.layers.1.mlp.gate_proj.weight"])
        XCTAssertEqual(tinyModel.checkpointNames(of: op("attention_scores"), layer: 0), [])
    }
}
