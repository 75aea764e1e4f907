import XCTest
import MantConfig
import MantHardware
import MantNumerics
@testable import MantStudies
import MantSimulation

final class VQStudyTests: XCTestCase {
    func testHotHitsFollowTheIndexHistogramAndSpeedupsTheirBaseline() throws {
        var setup = VQStudy.Setup(base: try bundledArchitecture("vq", rows: 32, columns: 32))
        setup.configs = ["gptvq2"]
        setup.hotEntries = [0, 8, 64]
        setup.banks = [2, 8]
        setup.shapes = [VQStudy.Shape(name: "gemv", m: 1, k: 256, n: 64), VQStudy.Shape(name: "gemm", m: 40, k: 256, n: 32)]
        setup.blockRows = 16
        let rows = try VQStudy.run(setup)
        XCTAssertEqual(rows.count, 2 * 2 * 3)
        // The block the study quantizes: its index histogram sets the hot store's hits.
        let block = try FormatCatalog.parse("gptvq2").makeFormat().quantize(try SyntheticTensor.llmLike(rows: 16, columns: 256, seed: setup.seed))
        let codes = block.codes.values
        for row in rows {
            let expected = Double(codes.filter { $0 < row.hotEntries }.count) / Double(codes.count)
            XCTAssertEqual(row.hotHitRate, expected, accuracy: 1e-12, "\(row.shape) n_hot \(row.hotEntries)")
            if row.hotEntries == 0 { XCTAssertEqual(row.speedup, 1) }
            XCTAssertGreaterThan(row.decoderCycles, 0)
        }
        // Two banks starve a 32 x 32 array's decode (256 lookups a tile, at most two a cycle, against
        // 65 cycles of compute); a hot store with eight ports takes half of them off the banks.
        let starved = rows.filter { $0.banks == 2 && $0.shape == "gemv" }
        XCTAssertGreaterThan(starved.first { $0.hotEntries == 64 }!.speedup, 1)
        XCTAssertEqual(try VQStudy.run(setup), rows, "seeded: the same numbers every run")
    }

    /// Attention shapes code the KV cache: K along the head dimension, V^T across head channels,
    /// each block's own index histogram setting the hot store's hits.
    func testAttentionShapesReadTheCodedCache() throws {
        var setup = VQStudy.Setup(base: try bundledArchitecture("vq", rows: 32, columns: 32))
        setup.configs = []
        setup.kvConfigs = ["cq2"]
        setup.hotEntries = [0, 32]
        setup.banks = [4]
        setup.shapes = [VQStudy.Shape(name: "q*k^T", m: 1, k: 128, n: 512, operand: .keys),
                        VQStudy.Shape(name: "p*v", m: 1, k: 512, n: 128, operand: .values)]
        setup.blockRows = 32
        let rows = try VQStudy.run(setup)
        XCTAssertEqual(rows.map(\.shape), ["q*k^T", "q*k^T", "p*v", "p*v"])
        var format = try FormatCatalog.parse("cq2")
        let keys = try format.makeFormat().quantize(try SyntheticTensor.llmLike(rows: 32, columns: 128, seed: setup.seed)).codes.values
        format.vq?.axis = .output
        let values = try format.makeFormat().quantize(try SyntheticTensor.llmLike(rows: 128, columns: 256, seed: setup.seed)).codes.values
        for (row, codes) in zip(rows.filter { $0.hotEntries == 32 }, [keys, values]) {
            XCTAssertEqual(row.hotHitRate, Double(codes.filter { $0 < 32 }.count) / Double(codes.count), accuracy: 1e-12, row.shape)
            XCTAssertGreaterThan(row.decoderCycles, 0)
        }
        setup.kvConfigs = []
        XCTAssertThrowsError(try VQStudy.run(setup)) { XCTAssertTrue("\($0)".contains("kv configs"), "\($0)") }
    }

    func testImpossibleSetupsAreNamed() throws {
        var setup = VQStudy.Setup(base: try bundledArchitecture("vq"))
        setup.shapes = [VQStudy.Shape(name: "gemv", m: 1, k: 64, n: 8)]
        setup.configs = ["mant4"]
        XCTAssertThrowsError(try VQStudy.run(setup)) { XCTAssertTrue("\($0)".contains("'mant4' is not a VQ format"), "\($0)") }
        setup = VQStudy.Setup(base: try bundledArchitecture("mant"))
        XCTAssertThrowsError(try VQStudy.run(setup)) { XCTAssertTrue("\($0)".contains("vq-study needs a VQ array"), "\($0)") }
    }

    /// A point the array cannot hold is reported as such, never run on enlarged hardware: vq.yaml's
    /// 16 KiB codebook SRAM cannot hold AQLM-3's 128 KiB set, and GPTVQ-2 has 256 entries, not 300.
    func testPointsTheArrayCannotHoldAreInfeasible() throws {
        var setup = VQStudy.Setup(base: try bundledArchitecture("vq", rows: 8, columns: 8))
        setup.shapes = [VQStudy.Shape(name: "gemv", m: 1, k: 64, n: 8)]
        setup.kvConfigs = []
        setup.configs = ["gptvq2", "vq-8-12-2"]
        setup.hotEntries = [0, 300]
        setup.banks = [4]
        setup.blockRows = 8
        let rows = try VQStudy.run(setup)
        XCTAssertEqual(rows.count, 4)
        XCTAssertNil(rows[0].infeasible)
        XCTAssertGreaterThan(rows[0].totalCycles, 0)
        XCTAssertEqual(rows[1].infeasible, "decoder.hot_entries: 300 is more than the formats.weights (vq<4,8,1>/tensor) codebook's 256 entries")
        for row in rows[2...] {
            XCTAssertTrue(row.infeasible?.contains("decoder.codebook_bytes: 16384 bytes cannot hold one set of formats.weights") == true, "\(row)")
            XCTAssertEqual(row.totalCycles, 0)
        }
    }
}
