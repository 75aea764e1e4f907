import Foundation
import XCTest
import MantNumerics
import MantTensorIO
@testable import MantModels

final class LanguageModelTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-lm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func maximumDifference(_ logits: [Float], _ reference: [[Double]]) -> Double {
        let vocabulary = reference[0].count
        var worst = 0.0
        for (row, values) in reference.enumerated() {
            for (column, value) in values.enumerated() { worst = max(worst, abs(Double(logits[row * vocabulary + column]) - value)) }
        }
        return worst
    }

    func testForwardPassMatchesTheScalarEquationsFromBothLoaders() throws {
        let tiny = try TinyLlama()
        try tiny.writeHuggingFace(to: path("hf"))
        try tiny.writeGGUF(to: path("tiny.gguf"))
        let tokens = [5, 17, 299, 0, 42, 42, 8, 120, 3]
        let reference = tiny.referenceLogits(tokens)
        let fromFolder = try LanguageModel(checkpoint: try Checkpoint(path: path("hf")))
        let fromGGUF = try LanguageModel(checkpoint: try Checkpoint(path: path("tiny.gguf")))
        XCTAssertEqual(try Checkpoint(path: path("hf")).config.ropeLayout, .halves)
        XCTAssertEqual(try Checkpoint(path: path("tiny.gguf")).config.ropeLayout, .adjacentPairs)
        let folderLogits = try fromFolder.logits(tokens), ggufLogits = try fromGGUF.logits(tokens)
        XCTAssertLessThan(maximumDifference(folderLogits, reference), 2e-5)
        XCTAssertLessThan(maximumDifference(ggufLogits, reference), 2e-5)
        // The two loaders agree to FP32 rounding (only the order of each q·k sum differs).
        let gap = zip(folderLogits, ggufLogits).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(gap, 1e-5)
    }

    func testQwen2sAttentionBiases() throws {
        let tiny = try TinyLlama(seed: 3, biases: true)
        try tiny.writeHuggingFace(to: path("qwen2"))
        let checkpoint = try Checkpoint(path: path("qwen2"))
        XCTAssertTrue(checkpoint.config.attentionBiases)
        let model = try LanguageModel(checkpoint: checkpoint)
        let tokens = [9, 8, 7, 6, 5]
        XCTAssertLessThan(maximumDifference(try model.logits(tokens), tiny.referenceLogits(tokens)), 2e-5)
        XCTAssertGreaterThan(maximumDifference(try model.logits(tokens), tiny.referenceLogitsIgnoringBiases(tokens)), 1e-2, "the biases matter")
    }

    func testTiedHeadAndNegativeLogLikelihoods() throws {
        let tiny = try TinyLlama(seed: 9, tied: true)
        try tiny.writeHuggingFace(to: path("tied"))
        let model = try LanguageModel(checkpoint: try Checkpoint(path: path("tied")))
        XCTAssertNil(model.output)
        let tokens = [1, 2, 3, 250, 7]
        let reference = tiny.referenceLogits(tokens)
        let losses = try model.negativeLogLikelihoods(tokens)
        XCTAssertEqual(losses.count, tokens.count - 1)
        for (row, loss) in losses.enumerated() {
            let logits = reference[row]
            let top = logits.max()!
            let expected = log(logits.map { exp($0 - top) }.reduce(0, +)) - (logits[tokens[row + 1]] - top)
            XCTAssertEqual(loss, expected, accuracy: 1e-4)
        }
    }

    func testWindowsAndPerplexity() throws {
        XCTAssertEqual(Perplexity.windows(tokens: 513, context: 256), [0..<256, 256..<512])
        XCTAssertEqual(Perplexity.windows(tokens: 514, context: 256), [0..<256, 256..<512, 512..<514])
        XCTAssertEqual(Perplexity.windows(tokens: 100, context: 512), [0..<100])
        let tiny = try TinyLlama()
        try tiny.writeHuggingFace(to: path("hf"))
        let model = try LanguageModel(checkpoint: try Checkpoint(path: path("hf")))
        let tokens = (0..<21).map { ($0 * 37) % 300 }
        let result = try Perplexity.evaluate(model, tokens: tokens, context: 8)
        XCTAssertEqual(result.windows, 3)
        XCTAssertEqual(result.predictions, 7 + 7 + 4)
        let expected = try [0..<8, 8..<16, 16..<21].map { try model.negativeLogLikelihoods(Array(tokens[$0])).reduce(0, +) }.reduce(0, +)
        XCTAssertEqual(result.negativeLogLikelihood, expected)
        XCTAssertEqual(result.perplexity, exp(expected / 18))
        XCTAssertThrowsError(try Perplexity.evaluate(model, tokens: [1, 300], context: 8)) { XCTAssertTrue("\($0)".contains("tokens[1]: is 300"), "\($0)") }
        XCTAssertThrowsError(try Perplexity.evaluate(model, tokens: [1], context: 8))
    }

    func testShardedCheckpointsLoadAsOne() throws {
        let tiny = try TinyLlama()
        let folder = path("sharded")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: tiny.configJSON).write(to: URL(fileURLWithPath: folder + "/config.json"))
        let names = tiny.weights.keys.sorted()
        let halves = [Array(names.prefix(names.count / 2)), Array(names.dropFirst(names.count / 2))]
        var map = [String: String]()
        for (index, part) in halves.enumerated() {
            let file = "model-0000\(index + 1)-of-00002.safetensors"
            try SafetensorsFile.write(part.map { ($0, tiny.weights[$0]!) }, to: folder + "/" + file)
            for name in part { map[name] = file }
        }
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map]).write(to: URL(fileURLWithPath: folder + "/model.safetensors.index.json"))
        let model = try LanguageModel(checkpoint: try Checkpoint(path: folder))
        XCTAssertLessThan(maximumDifference(try model.logits([4, 5, 6]), tiny.referenceLogits([4, 5, 6])), 2e-5)

        map["model.norm.weight"] = "../elsewhere.safetensors"
        try JSONSerialization.data(withJSONObject: ["weight_map": map]).write(to: URL(fileURLWithPath: folder + "/model.safetensors.index.json"))
        XCTAssertThrowsError(try Checkpoint(path: folder)) { XCTAssertTrue("\($0)".contains("weight_map['model.norm.weight']"), "\($0)") }
    }

    func testCheckpointsThatDisagreeWithTheirConfigAreRefusedByName() throws {
        let tiny = try TinyLlama()
        var config = tiny.configJSON
        config["intermediate_size"] = 40
        try tiny.writeHuggingFace(to: path("wrong"), config: config)
        XCTAssertThrowsError(try LanguageModel(checkpoint: try Checkpoint(path: path("wrong")))) { error in
            XCTAssertTrue("\(error)".contains("tensor 'model.layers.0.mlp.gate_proj.weight' shape: is [48, 32]") && "\(error)".contains("implies [40, 32]"), "\(error)")
        }
        var missing = tiny
        missing.weights["model.layers.1.mlp.up_proj.weight"] = nil
        try missing.writeHuggingFace(to: path("missing"))
        XCTAssertThrowsError(try LanguageModel(checkpoint: try Checkpoint(path: path("missing")))) {
            XCTAssertTrue("\($0)".contains("tensor 'model.layers.1.mlp.up_proj.weight': missing"), "\($0)")
        }
        var nonFinite = tiny
        var norm = nonFinite.weights["model.norm.weight"]!
        norm.values[3] = .nan
        nonFinite.weights["model.norm.weight"] = norm
        try nonFinite.writeHuggingFace(to: path("nan"))
        XCTAssertThrowsError(try LanguageModel(checkpoint: try Checkpoint(path: path("nan")))) {
            XCTAssertTrue("\($0)".contains("'model.norm.weight': value 3 is nan"), "\($0)")
        }
        config = tiny.configJSON
        config["model_type"] = "opt"
        config["ffn_dim"] = 48
        try tiny.writeHuggingFace(to: path("opt"), config: config)
        XCTAssertThrowsError(try Checkpoint(path: path("opt"))) { XCTAssertTrue("\($0)".contains("not OPT"), "\($0)") }
        XCTAssertThrowsError(try Checkpoint(path: path("nowhere"))) { XCTAssertTrue("\($0)".contains("no such file or directory"), "\($0)") }
        try FileManager.default.createDirectory(atPath: path("empty"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try Checkpoint(path: path("empty"))) { XCTAssertTrue("\($0)".contains("config.json"), "\($0)") }
    }

    func testGGUFOfAnotherArchitectureIsRefused() throws {
        try GGUFFile.write(metadata: ["general.architecture": .string("gpt2")], tensors: [], to: path("gpt2.gguf"))
        XCTAssertThrowsError(try Checkpoint(path: path("gpt2.gguf"))) {
            XCTAssertTrue("\($0)".contains("'general.architecture': is 'gpt2'"), "\($0)")
        }
    }
}
