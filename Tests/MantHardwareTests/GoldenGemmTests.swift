import Foundation
import XCTest
import MantConfig
import MantNumerics
import _TestSupport
@testable import MantHardware

/// Per bundled architecture: a fixed-seed GEMM's output digest, a sample of outputs, its cycles
/// and every non-zero counter (a new counter does not rewrite every file), in both dataflows, against Tests/MantHardwareTests/Golden.
final class GoldenGemmTests: XCTestCase {
    struct Record: Encodable {
        var architecture: String
        var format: String
        var shape: [Int]
        var dataflow: String
        var outputDigest: String
        var sample: [String]
        var totalCycles: UInt64
        var computeCycles: UInt64
        var stallCycles: UInt64
        var counters: [String: UInt64]
    }

    func testGoldenGemmOfEveryArchitecture() throws {
        let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        let configs = root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Configs/arch")
        let model = try RTLModel.fresh()
        let (m, k, n) = (5, 200, 40)
        let weights = try SyntheticTensor.llmLike(rows: n, columns: k, seed: 77)
        let activations = try SyntheticTensor.llmLike(rows: m, columns: k, seed: 78)
        for file in try FileManager.default.contentsOfDirectory(atPath: configs.path).filter({ $0.hasSuffix(".yaml") }).sorted() {
            let architecture = try ArchitectureConfig.load(path: configs.appendingPathComponent(file).path)
            // QuiP#'s 65,536-entry codebooks take minutes to train on this tensor in a debug build;
            // VQArrayTests checks that configuration bit for bit on a small one.
            if (architecture.weightFormat.vq?.entries ?? 0) > 4096 { continue }
            let quantized = try architecture.weightFormat.makeFormat().quantize(weights)
            let operands = try GemmOperands(weights: quantized, activations: activations, activationBits: architecture.activationBits)
            let expected = try GemmReference.run(operands, lutScale: architecture.array.lutScale)
            var records = [Record]()
            for dataflow in Dataflow.allCases where architecture.array.peType != .vq || dataflow == .weightStationary {
                // The VQ array is weight-stationary only.
                let result = try model.run(operands, on: architecture.array, dataflow: dataflow)
                XCTAssertEqual(result.output.map(\.bitPattern), expected.map(\.bitPattern), "\(file) \(dataflow)")
                records.append(Record(architecture: architecture.name, format: architecture.weightFormat.name, shape: [m, k, n],
                                      dataflow: dataflow.rawValue, outputDigest: String(FNV1a.digest(of: result.output), radix: 16),
                                      sample: result.output.prefix(6).map { "\($0) (0x\(String($0.bitPattern, radix: 16)))" },
                                      totalCycles: result.totalCycles, computeCycles: result.computeCycles,
                                      stallCycles: result.stallCycles, counters: result.counters.filter { $0.value != 0 }))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let text = String(decoding: try encoder.encode(records), as: UTF8.self) + "\n"
            try Golden.assertMatches(text, file: file.replacingOccurrences(of: ".yaml", with: ".json"),
                                     directory: root.appendingPathComponent("Golden"))
        }
    }
}
