import Foundation
import XCTest
import MantConfig
import MantModels
import MantNumerics
import MantSimulation

/// Arrays' formats on the shipped model (SmolLM2-135M, which `make model` fetches; skipped when it
/// is absent): the first 513 tokens of the default text in windows of 256.
final class ArchitecturePerplexityTests: XCTestCase {
    static let modelPath = repository.appendingPathComponent(".build/models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static var shared: (checkpoint: Checkpoint, tokens: [Int], fp32: Double)?

    private func setting() throws -> (checkpoint: Checkpoint, tokens: [Int], fp32: Double) {
        if let shared = ArchitecturePerplexityTests.shared { return shared }
        guard FileManager.default.fileExists(atPath: ArchitecturePerplexityTests.modelPath) else {
            throw XCTSkip("the shipped model is missing; `make model` fetches it")
        }
        let checkpoint = try Checkpoint(path: ArchitecturePerplexityTests.modelPath)
        let text = try String(contentsOfFile: "/usr/share/common-licenses/GPL-3", encoding: .utf8)
        let tokens = Array(try checkpoint.tokenizer().encode(text).prefix(513))
        let fp32 = try perplexity(.fp32, checkpoint: checkpoint, tokens: tokens)
        ArchitecturePerplexityTests.shared = (checkpoint, tokens, fp32)
        return (checkpoint, tokens, fp32)
    }

    private func perplexity(_ numerics: ModelNumerics, checkpoint: Checkpoint, tokens: [Int]) throws -> Double {
        try Perplexity.evaluate(try LanguageModel(checkpoint: checkpoint, numerics: numerics), tokens: tokens, context: 256).perplexity
    }

    private func perplexity(_ numerics: ModelNumerics) throws -> Double {
        let (checkpoint, tokens, _) = try setting()
        return try perplexity(numerics, checkpoint: checkpoint, tokens: tokens)
    }

    func testINT8CostsLittleAndINT4PerChannelMuchMore() throws {
        let fp32 = try setting().fp32
        XCTAssertEqual(fp32, 22.198, accuracy: 0.01, "the FP32 model as the independent implementation scores it")
        let weightsOnly = try perplexity(ModelNumerics(label: "w8", weights: try IntegerFormat(bits: 8, granularity: .channel)))
        XCTAssertLessThan(abs(weightsOnly / fp32 - 1), 0.005, "INT8 per channel on weights alone")
        // Per-token INT8 activations cost most, and make the figure sensitive to the last bit of
        // the inputs: on these 513 tokens, scaling every activation by 1 +- 1e-6 moves the
        // independent implementation's W8A8 perplexity over +0.8% to +7.0% (Tests/Reference/check.sh
        // compares the two on 2,049 tokens, where the spread is 1.2%).
        let int8 = try perplexity(try bundledArchitecture("int8").modelNumerics())
        XCTAssertLessThan(int8 / fp32 - 1, 0.08, "W8A8 with an INT8 KV cache")
        let int4 = try perplexity(ModelNumerics(label: "w4", weights: try IntegerFormat(bits: 4, granularity: .channel), activations: .integer(bits: 8)))
        XCTAssertGreaterThan(int4 / fp32 - 1, 0.3, "INT4 symmetric per channel")
    }

    func testPerplexityFallsFromINT2ToINT8() throws {
        let values = try [2, 3, 4, 8].map { bits in
            try perplexity(ModelNumerics(label: "int\(bits)", weights: try IntegerFormat(bits: bits, granularity: .group(64)), activations: .integer(bits: 8)))
        }
        XCTAssertEqual(values, values.sorted(by: >), "\(values)")
        XCTAssertLessThan(values[3], try setting().fp32 * 1.05, "INT8 groups of 64 with 8-bit activations")
    }

    /// The KV-cache schemes with FP32 weights and activations; the figures are in the README.
    func testKVCacheSchemes() throws {
        let fp32 = try setting().fp32
        let mant = try MANTFormat(bits: 4, granularity: .group(64))
        let twoStage = try perplexity(ModelNumerics(label: "two-stage", kvCache: .twoStage(window: 64, keyGroup: 64, windowCapacity: 64)))
        let oneStage = try perplexity(ModelNumerics(label: "one-stage", kvCache: .formats(keys: mant, values: mant)))
        let int4 = try IntegerFormat(bits: 4, granularity: .group(64))
        let int4Cache = try perplexity(ModelNumerics(label: "int4", kvCache: .formats(keys: int4, values: int4)))
        print("kv schemes on the shipped model: fp32 \(fp32), two-stage M-ANT \(twoStage), one-stage M-ANT \(oneStage), INT4 g64 \(int4Cache)")
        for value in [twoStage, oneStage, int4Cache] { XCTAssertTrue(value.isFinite && value > fp32 * 0.98 && value < fp32 * 3, "\(value)") }
        // As kv-study ranks them in attention SQNR: either M-ANT cache well ahead of INT4.
        XCTAssertLessThan(twoStage, int4Cache)
        XCTAssertLessThan(oneStage, int4Cache)
    }
}
