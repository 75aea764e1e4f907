import XCTest
import MantConfig
import MantHardware
import MantNumerics
@testable import MantStudies
import MantSimulation

final class BitsStudyTests: XCTestCase {
    private func setup() throws -> BitsStudy.Setup {
        var architectures = [BitsStudy.Family: ArchitectureConfig]()
        for family in BitsStudy.Family.allCases { architectures[family] = try bundledArchitecture(family.architecture) }
        return BitsStudy.Setup(architectures: architectures, weights: try SyntheticTensor.llmLike(rows: 32, columns: 128, seed: 3),
                               activations: try SyntheticTensor.llmLike(rows: 4, columns: 128, seed: 4),
                               request: WorkloadRequest(model: tinyModel, promptLength: 20, generatedTokens: 2), energy: try energyTable())
    }

    func testEveryFamilyAtEveryWidthItDefines() throws {
        let setup = try setup()
        let rows = try BitsStudy.run(setup)
        let entries = rows.map { "\($0.bits) \($0.family.rawValue)" }
        XCTAssertEqual(entries, ["2 int", "2 nf", "2 vq", "3 mant", "3 int", "3 nf", "3 vq", "4 mant", "4 int", "4 nf", "4 vq", "4 mxfp4"])
        for row in rows {
            // Codes plus an FP16 scale per 64 weights (M-ANT: and its 4-bit selector); VQ: codes plus
            // one 2^k-entry codebook of FP16 values over the 32 x 128 tensor.
            switch row.family {
            case .int, .nf: XCTAssertEqual(row.bitsPerWeight, Double(row.bits) + 16.0 / 64, accuracy: 1e-12, row.format)
            case .vq:
                let vq = try FormatCatalog.parse(setup.vqConfigs[row.bits]!).vq!
                XCTAssertEqual(row.bitsPerWeight, Double(row.bits) + Double(vq.entries * vq.vectorLength * 16) / (32 * 128), accuracy: 1e-12)
            default: XCTAssertGreaterThan(row.bitsPerWeight, Double(row.bits))
            }
            XCTAssertEqual(row.phases.map(\.phase), [.prefill, .decode])
            XCTAssertTrue(row.phases.allSatisfy { $0.latencySeconds > 0 && $0.energy > 0 }, row.format)
            // The array's output error follows its weights' error (activations add a little, or
            // their own rounding can cancel some).
            XCTAssertEqual(row.outputSQNR!, row.weightSQNR!, accuracy: 3, row.format)
        }
        // More bits, less error, in every family.
        for family in BitsStudy.Family.allCases {
            let sqnr = rows.filter { $0.family == family }.map { $0.weightSQNR! }
            XCTAssertEqual(sqnr, sqnr.sorted(), family.rawValue)
        }
        // The cost is the workload on the family's architecture with the format swapped in.
        let int3 = rows.first { $0.family == .int && $0.bits == 3 }!
        var architecture = setup.architectures[.int]!
        architecture.weightFormat = try FormatCatalog.parse("int3", granularity: .group(64))
        let direct = try WorkloadRunner(architecture: architecture, energy: setup.energy, rtl: try RTLModel.fresh()).run(setup.request)
        XCTAssertEqual(int3.phases.map(\.energy), direct.phases.map(\.totalEnergy))
        XCTAssertEqual(int3.phases.map(\.latencySeconds), direct.phases.map(\.latencySeconds))
    }

    /// A format the family's array cannot hold keeps its quality numbers and gets no cost: the
    /// study reports it instead of enlarging the codebook SRAM.
    func testAFormatTheArrayCannotHoldIsInfeasible() throws {
        var setup = try setup()
        setup.families = [.vq]
        setup.bits = [2]
        setup.architectures[.vq]!.array.codebookBytes = 1024
        let row = try XCTUnwrap(try BitsStudy.run(setup).first)
        XCTAssertEqual(row.infeasible, "decoder.codebook_bytes: 1024 bytes cannot hold one set of formats.weights (vq<4,8,1>/tensor) codebooks (2048 bytes)")
        XCTAssertEqual(row.phases, [])
        XCTAssertNotNil(row.weightSQNR)
    }

    func testOutputErrorIsAgainstTheExactProduct() throws {
        let weights = try Tensor(shape: [2, 3], values: [1, 2, 3, -1, 0, 4])
        let activations = try Tensor(shape: [1, 3], values: [0.5, -1, 2])
        XCTAssertEqual(BitsStudy.exactProduct(weights, activations), [4.5, 7.5])
        XCTAssertNil(BitsStudy.sqnr([4.5, 7.5], [4.5, 7.5]))
        XCTAssertEqual(BitsStudy.sqnr([3, 4], [3, 3])!, 10 * log10(25), accuracy: 1e-12)
    }

    func testImpossibleSetupsAreNamed() throws {
        var setup = try setup()
        setup.families = [.vq]
        setup.vqConfigs[3] = "gptvq2"
        XCTAssertThrowsError(try BitsStudy.run(setup)) { XCTAssertTrue("\($0)".contains("'gptvq2' does not store 3 bits per weight"), "\($0)") }
        setup.bits = [1]
        XCTAssertThrowsError(try BitsStudy.run(setup)) { XCTAssertTrue("\($0)".contains("expected 2...8 bits per weight, got 1"), "\($0)") }
        setup.bits = [4]
        setup.activations = try SyntheticTensor.llmLike(rows: 2, columns: 64, seed: 1)
        XCTAssertThrowsError(try BitsStudy.run(setup)) { XCTAssertTrue("\($0)".contains("sharing K"), "\($0)") }
    }
}
