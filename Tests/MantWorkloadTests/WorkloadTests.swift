import Foundation
import XCTest
@testable import MantWorkload

final class WorkloadTests: XCTestCase {
    static var models: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/models")
    }

    private func model(_ name: String) throws -> ModelConfig {
        try ModelConfig.load(path: WorkloadTests.models.appendingPathComponent("\(name).json").path)
    }

    /// Totals published with the checkpoints (parameter counts of the Hugging Face releases).
    func testParameterCountsMatchThePublishedModels() throws {
        XCTAssertEqual(try model("llama-2-7b").parameterCount, 6_738_415_616)
        XCTAssertEqual(try model("llama-3-8b").parameterCount, 8_030_261_248)
        XCTAssertEqual(try model("llama-2-70b").parameterCount, 68_976_648_192)
        XCTAssertEqual(try model("opt-6.7b").parameterCount, 6_658_473_984)
        let files = try FileManager.default.contentsOfDirectory(atPath: WorkloadTests.models.path).filter { $0.hasSuffix(".json") }
        XCTAssertEqual(files.count, 13)
        for file in files { XCTAssertNoThrow(try ModelConfig.load(path: WorkloadTests.models.appendingPathComponent(file).path), file) }
    }

    /// The projections, FFN and LM head of LLaMA-2-7B hold every weight but the embedding and norms.
    func testOperatorShapesOfLLaMA2() throws {
        let llama = try model("llama-2-7b")
        let prefill = llama.operations(.prefill, batch: 1, length: 2048)
        let q = try XCTUnwrap(prefill.first { $0.name == "q_proj" })
        XCTAssertEqual([q.m, q.k, q.n, q.repeats], [2048, 4096, 4096, 32])
        let down = try XCTUnwrap(prefill.first { $0.name == "down_proj" })
        XCTAssertEqual([down.m, down.k, down.n], [2048, 11008, 4096])
        let scores = try XCTUnwrap(prefill.first { $0.name == "attention_scores" })
        XCTAssertEqual([scores.m, scores.k, scores.n, scores.repeats], [2048, 128, 2048, 32 * 32])
        let weights = llama.weightCount(.prefill, batch: 1, length: 1)
        XCTAssertEqual(weights + 32000 * 4096 + 32 * 2 * 4096 + 4096, 6_738_415_616)
        let decode = llama.operations(.decode, batch: 4, length: 513)
        let values = try XCTUnwrap(decode.first { $0.name == "attention_values" })
        XCTAssertEqual([values.m, values.k, values.n, values.repeats], [1, 513, 128, 32 * 32 * 4])
        XCTAssertEqual(decode.first { $0.name == "lm_head" }?.m, 4)
    }

    func testGroupedQueryAttentionShapes() throws {
        let llama3 = try model("llama-3-8b")
        let ops = llama3.operations(.decode, batch: 2, length: 100)
        XCTAssertEqual(ops.first { $0.name == "k_proj" }?.n, 1024)
        let scores = try XCTUnwrap(ops.first { $0.name == "attention_scores" })
        XCTAssertEqual([scores.m, scores.n, scores.repeats], [4, 100, 32 * 8 * 2])
        let opt = try model("opt-13b")
        XCTAssertEqual(opt.operations(.prefill, batch: 1, length: 8).map(\.name).filter { $0.hasPrefix("fc") }, ["fc1", "fc2"])
    }

    /// head_dim, where a config gives it (Mistral-NeMo), sizes q_proj, o_proj and attention; keys
    /// that change the model in ways not modelled are refused by name.
    func testHeadDimIsHonouredAndUnmodelledKeysAreRefused() throws {
        var json: [String: Any] = ["model_type": "mistral", "hidden_size": 320, "intermediate_size": 640, "num_attention_heads": 4,
                                   "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 1000, "head_dim": 64]
        let nemo = try ModelConfig.parse(json, name: "nemo", path: "nemo.json")
        XCTAssertEqual([nemo.headDimension, nemo.queryWidth], [64, 256])
        let ops = nemo.operations(.decode, batch: 1, length: 10)
        func shape(_ name: String) -> [Int] { ops.first { $0.name == name }.map { [$0.k, $0.n] } ?? [] }
        XCTAssertEqual(shape("q_proj"), [320, 256])
        XCTAssertEqual(shape("k_proj"), [320, 128])
        XCTAssertEqual(shape("o_proj"), [256, 320])
        XCTAssertEqual(shape("attention_scores"), [64, 10])
        XCTAssertEqual(nemo.parameterCount, 1000 * 320 * 2 + 2 * (2 * 320 * 256 + 2 * 320 * 128 + 3 * 320 * 640 + 2 * 320) + 320)
        json["head_dim"] = NSNull()
        XCTAssertEqual(try ModelConfig.parse(json, name: "nemo", path: "nemo.json").headDimension, 80)
        json["head_dim"] = 64
        for (key, value) in [("attention_bias", true as Any), ("mlp_bias", true), ("num_local_experts", 8), ("sliding_window", 4096)] {
            var refused = json
            refused[key] = value
            XCTAssertThrowsError(try ModelConfig.parse(refused, name: "x", path: "x.json")) {
                XCTAssertTrue("\($0)".contains("x.json: \(key): ") && "\($0)".contains("which MantSim does not model"), "\($0)")
            }
        }
        var qwen = json
        (qwen["sliding_window"], qwen["use_sliding_window"]) = (131072, false)
        XCTAssertNoThrow(try ModelConfig.parse(qwen, name: "qwen", path: "qwen.json"), "a window that is off is no problem")
    }

    func testBadConfigsNameEveryProblem() {
        XCTAssertThrowsError(try ModelConfig.parse(["hidden_size": 4096, "num_attention_heads": 30, "num_key_value_heads": 7,
                                                    "vocab_size": -1], name: "x", path: "x.json")) { error in
            let text = "\(error)"
            for needle in ["x.json: intermediate_size: missing", "num_hidden_layers: missing", "vocab_size: expected a positive integer",
                           "num_attention_heads: 30 does not divide hidden_size 4096", "num_key_value_heads: 7 does not divide"] {
                XCTAssertTrue(text.contains(needle), "missing \(needle) in \(text)")
            }
        }
        XCTAssertThrowsError(try ModelConfig.load(path: "/nope/config.json")) { XCTAssertTrue("\($0)".contains("file: does not exist")) }
    }

    /// JSON configs are checked before JSONSerialization reads them: duplicate keys and deep nesting
    /// are refused, naming the file.
    func testDuplicateKeysAndDeepNestingInJSONAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = [("dupe.json", "{\"hidden_size\": 4096, \"hidden_size\": 8, \"a\": {\"b\": [1, {\"c\": 2, \"c\": 3}]}}", ["hidden_size: appears twice", "c: appears twice"]),
                     ("deep.json", String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000), ["nests deeper than 256"]),
                     ("strings.json", "{\"a\": \"x,\\\"a\\\": y\", \"b\": 1}", [])]
        for (name, text, expected) in cases {
            let file = folder.appendingPathComponent(name).path
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ModelConfig.load(path: file)) { error in
                for message in expected { XCTAssertTrue("\(error)".contains(file) && "\(error)".contains(message), "\(error)") }
                if expected.isEmpty { XCTAssertFalse("\(error)".contains("twice"), "\(error)") }
            }
        }
    }
}
