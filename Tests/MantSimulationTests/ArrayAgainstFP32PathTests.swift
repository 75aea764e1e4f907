import Foundation
import XCTest
import MantConfig
import MantHardware
@testable import MantModels
import MantNumerics
import MantSimulation

/// Perplexity under an array's formats multiplies the dequantized operands in FP32; the array
/// multiplies integers and scales each group's sum. On one real layer (layer 0's Q projection of
/// the shipped model, its real input on the first 16 tokens of the default text) the two differ
/// only by FP32 rounding: at most (K + 8) · 2^-24 · Σ|w·a| per output.
final class ArrayAgainstFP32PathTests: XCTestCase {
    func testArrayOutputsMatchTheFP32PathOnARealLayer() throws {
        guard FileManager.default.fileExists(atPath: ArchitecturePerplexityTests.modelPath) else {
            throw XCTSkip("the shipped model is missing; `make model` fetches it")
        }
        let checkpoint = try Checkpoint(path: ArchitecturePerplexityTests.modelPath)
        let model = try LanguageModel(checkpoint: checkpoint)
        let text = try String(contentsOfFile: "/usr/share/common-licenses/GPL-3", encoding: .utf8)
        let tokens = Array(try checkpoint.tokenizer().encode(text).prefix(16))
        let h = model.hidden, m = tokens.count
        var x = [Float](repeating: 0, count: m * h)
        for (row, token) in tokens.enumerated() { for column in 0..<h { x[row * h + column] = model.embedding[token * h + column] } }
        var input = [Float](repeating: 0, count: m * h)
        model.rmsNorm(x, weight: model.layers[0].attentionNorm, into: &input, rows: m)
        let weight = model.layers[0].query
        let rtl = try RTLModel.fresh()
        for name in ["int8", "mant", "int4"] {
            let architecture = try bundledArchitecture(name, rows: 16, columns: 16)
            let format = try architecture.weightFormat.makeFormat()
            let quantized = try format.quantize(try Tensor(shape: [h, h], values: weight))
            let operands = try GemmOperands(weights: quantized, activations: try Tensor(shape: [m, h], values: input),
                                            activationBits: architecture.activationBits)
            let array = try rtl.run(operands, on: architecture.array, dataflow: architecture.dataflow).output
            XCTAssertEqual(array, try GemmReference.run(operands), "\(name): the array against its reference GEMM, bit for bit")

            let numerics = try architecture.modelNumerics()
            let w = try format.dequantize(quantized).values
            var a = input
            try numerics.roundActivations(&a, rows: m, width: h)
            var fp32 = [Float](repeating: 0, count: m * h)
            model.linear(a, w, bias: nil, into: &fp32, rows: m, inputs: h, outputs: h)
            var worst = 0.0
            for row in 0..<m {
                for column in 0..<h {
                    var magnitude = 0.0
                    for i in 0..<h { magnitude += abs(Double(w[column * h + i]) * Double(a[row * h + i])) }
                    let bound = Double(h + 8) * 0x1p-24 * magnitude
                    let difference = abs(Double(array[row * h + column]) - Double(fp32[row * h + column]))
                    XCTAssertLessThanOrEqual(difference, bound, "\(name): output [\(row), \(column)]")
                    worst = max(worst, difference / max(bound, .leastNonzeroMagnitude))
                }
            }
            print("\(name): array against the FP32 path, worst difference \(String(format: "%.3f", worst)) of the bound")
        }
    }
}
