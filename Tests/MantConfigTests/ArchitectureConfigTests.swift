import Foundation
import XCTest
import MantHardware
import MantNumerics
@testable import MantConfig

final class ArchitectureConfigTests: XCTestCase {
    static var configs: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/arch")
    }

    /// An attention unit runs a KV cache the main PEs do not take; without one the cache must be
    /// the main PEs' format, and the unit's PEs must take the cache's.
    func testAnAttentionUnitRunsTheKVCacheInItsOwnFormat() throws {
        let ant = try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent("ant-kv16.yaml").path)
        XCTAssertEqual(ant.kvFormat.name, "fp16")
        XCTAssertEqual(ant.attentionArray.peType, .fp16)
        XCTAssertEqual([ant.attentionArray.rows, ant.attentionArray.columns], [16, 16])
        XCTAssertEqual(ant.attentionArray.activationBufferBytes, ant.array.activationBufferBytes)
        XCTAssertEqual(ant.leakingPEs, 32 * 32 + 16 * 16)
        let text = try String(contentsOf: ArchitectureConfigTests.configs.appendingPathComponent("ant-kv16.yaml"), encoding: .utf8)
        XCTAssertThrowsError(try ArchitectureConfig.parse(text.replacingOccurrences(of: "kv: fp16", with: "kv: ant4"), path: "a.yaml")) {
            XCTAssertTrue("\($0)".contains("formats.kv: ant4 does not run on the attention unit's 'fp16' PEs"), "\($0)")
        }
        XCTAssertThrowsError(try ArchitectureConfig.parse(text.replacingOccurrences(of: "attention_unit: {pe: fp16, rows: 16, columns: 16}", with: ""), path: "b.yaml")) {
            XCTAssertTrue("\($0)".contains("formats.kv: fp16 does not run on a 'ant' array"), "\($0)")
        }
        XCTAssertThrowsError(try ArchitectureConfig.parse(text.replacingOccurrences(of: "pe: fp16, rows: 16", with: "pe: vq, rows: 1"), path: "c.yaml")) {
            XCTAssertTrue("\($0)".contains("attention_unit.pe") && "\($0)".contains("attention_unit.rows"), "\($0)")
        }
    }

    /// ANT, OliVe and narrower INT PEs take an INT16 KV cache in digit passes; arrays without an
    /// integer digit path, and INT16 weights on INT PEs, are refused with the field named.
    func testWideIntOperandsRunInPassesWhereThePEsHaveADigitPath() throws {
        let text = try String(contentsOf: ArchitectureConfigTests.configs.appendingPathComponent("ant-kv16-passes.yaml"), encoding: .utf8)
        let ant = try ArchitectureConfig.parse(text, path: "a.yaml")
        XCTAssertEqual(ant.kvFormat.name, "int16/group64")
        XCTAssertNil(ant.attentionUnit)
        let int4 = try ArchitectureConfig.parse(text.replacingOccurrences(of: "pe: ant", with: "pe: int").replacingOccurrences(of: "weights: ant4", with: "weights: int4"), path: "b.yaml")
        XCTAssertEqual(int4.kvFormat.bits, 16)
        _ = try ArchitectureConfig.parse(text.replacingOccurrences(of: "pe: ant", with: "pe: int").replacingOccurrences(of: "weights: ant4", with: "weights: int8"), path: "b.yaml")
        let cases = [("pe: ant", "pe: mant", "weights: ant4", "weights: mant4", "formats.kv: int16 does not run on a 'mant' array"),
                     ("pe: ant", "pe: int", "weights: ant4", "weights: int16", "formats.weights: int16 is wider than INT PEs take")]
        for (pe, newPE, weights, newWeights, message) in cases {
            XCTAssertThrowsError(try ArchitectureConfig.parse(text.replacingOccurrences(of: pe, with: newPE).replacingOccurrences(of: weights, with: newWeights), path: "c.yaml")) {
                XCTAssertTrue("\($0)".contains("c.yaml") && "\($0)".contains(message), "\($0)")
            }
        }
    }

    /// `dram: {technology, channels}` takes the standard's timing and peak; the ideal interface's
    /// keys beside it are refused.
    func testDRAMChannelsOfAStandardSetTheTiming() throws {
        let text = try String(contentsOf: ArchitectureConfigTests.configs.appendingPathComponent("int8.yaml"), encoding: .utf8)
        let ideal = "dram: {bits_per_cycle: 1024, latency_cycles: 100, technology: ddr4}"
        XCTAssertTrue(text.contains(ideal))
        let hbm = try ArchitectureConfig.parse(text.replacingOccurrences(of: ideal, with: "dram: {technology: hbm2, channels: 2}"), path: "a.yaml")
        let timing = try XCTUnwrap(hbm.array.dramTiming)
        XCTAssertEqual([timing.channels, timing.banks, timing.busBits, timing.cl], [2, 16, 128, 14])
        XCTAssertEqual(hbm.dramTechnology, "hbm2")
        // 64 GB/s at 500 MHz: 1024 bits per cycle.
        XCTAssertEqual(hbm.array.dramPeakBitsPerCycle, 1024, accuracy: 1e-9)
        XCTAssertNil(try ArchitectureConfig.parse(text, path: "b.yaml").array.dramTiming)
        // The technology alone: one channel of its standard.
        let lpddr = try ArchitectureConfig.parse(text.replacingOccurrences(of: ideal, with: "dram: {technology: lpddr4}"), path: "b.yaml")
        XCTAssertEqual(lpddr.array.dramTiming?.channels, 1)
        XCTAssertEqual(lpddr.array.dramPeakBitsPerCycle, 102.4, accuracy: 1e-9)
        XCTAssertThrowsError(try ArchitectureConfig.parse(text.replacingOccurrences(of: ideal, with: "dram: {technology: ddr4, channels: 2, bits_per_cycle: 64}"), path: "c.yaml")) {
            XCTAssertTrue("\($0)".contains("c.yaml") && "\($0)".contains("dram.bits_per_cycle: set by dram.technology"), "\($0)")
        }
        XCTAssertThrowsError(try ArchitectureConfig.parse(text.replacingOccurrences(of: ideal, with: "dram: {technology: ddr4, channels: 0}"), path: "d.yaml")) {
            XCTAssertTrue("\($0)".contains("dram.channels"), "\($0)")
        }
    }

    func testEveryBundledArchitectureLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: ArchitectureConfigTests.configs.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(Set(files), ["fp16.yaml", "int8.yaml", "int4.yaml", "ant.yaml", "olive.yaml", "mxfp4.yaml", "mant.yaml", "lut.yaml",
                                   "lut-sac.yaml", "vq.yaml", "vq-cq4.yaml", "vq-cq2.yaml", "vq-aqlm3.yaml", "vq-quip4.yaml",
                                   "ant-kv16.yaml", "olive-kv16.yaml", "ant-kv16-passes.yaml", "olive-kv16-passes.yaml", "bitfusion.yaml"])
        for file in files {
            let config = try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent(file).path)
            XCTAssertTrue(config.array.peType.takes(config.weightFormat), file)
            XCTAssertEqual(config.array.rows, 32)
            XCTAssertEqual(config.clockMHz, 500)
            // One rule on every bundled array: one INT8 row of the array per cycle over the weight link.
            XCTAssertEqual(config.array.weightLinkBits, config.array.columns * 8, file)
            XCTAssertEqual(config.array.timing, .pipelined, file)
        }
        let mant = try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent("mant.yaml").path)
        XCTAssertEqual(mant.weightFormat.name, "mant4/group64")
        let int8 = try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent("int8.yaml").path)
        XCTAssertEqual(int8.weightFormat.name, "int8/channel")
    }

    func testWeightLinkAndTimingAreCheckedWithTheField() throws {
        func parse(_ array: String) throws -> ArchitectureConfig {
            try ArchitectureConfig.parse("""
            name: t
            pe: int
            clock_mhz: 500
            array: \(array)
            buffers: {weight_bytes: 131072, activation_bytes: 262144, output_bytes: 131072}
            dram: {bits_per_cycle: 1024, latency_cycles: 100}
            formats: {weights: int8, group: channel, activation_bits: 8, kv: int8, kv_group: 64}
            """, path: "t.yaml")
        }
        let serial = try parse("{rows: 16, columns: 16, weight_link_bits: 64, timing: serial}")
        XCTAssertEqual(serial.array.weightLinkBits, 64)
        XCTAssertEqual(serial.array.timing, .serial)
        XCTAssertEqual(try parse("{rows: 16, columns: 16}").array.effectiveWeightLinkBits, 128)
        XCTAssertThrowsError(try parse("{rows: 16, columns: 16, weight_link_bits: 0, timing: overlapped}")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("t.yaml"), text)
            XCTAssertTrue(text.contains("array.weight_link_bits: expected a whole number in 1..."), text)
            XCTAssertTrue(text.contains("array.timing: expected one of pipelined, serial, got overlapped"), text)
        }
    }

    func testVQDecoderSectionAndItsProblems() throws {
        let vq = try ArchitectureConfig.load(path: ArchitectureConfigTests.configs.appendingPathComponent("vq.yaml").path)
        XCTAssertEqual([vq.array.codebookBytes, vq.array.codebookBanks, vq.array.hotEntries, vq.array.hotPorts, vq.array.decoderLanes],
                       [16384, 16, 32, 8, 16])
        XCTAssertEqual(vq.weightFormat.vq?.scope, .tensor)
        let text = """
        name: bad vq
        pe: vq
        clock_mhz: 500
        dataflow: os
        array: {rows: 32, columns: 32}
        buffers: {weight_bytes: 131072, activation_bytes: 262144, output_bytes: 131072}
        dram: {bits_per_cycle: 1024, latency_cycles: 100}
        formats: {weights: aqlm3, vq_scope: tile256, activation_bits: 16, kv: fp16}
        decoder: {codebook_bytes: 65536, hot_entries: 5000, lanes: 0, colour: red}
        """
        XCTAssertThrowsError(try ArchitectureConfig.parse(text, path: "bad-vq.yaml")) { error in
            let message = "\(error)"
            for needle in ["bad-vq.yaml: decoder.colour: unknown key", "decoder.lanes: expected a whole number in 1...4096, got 0",
                           "decoder.codebook_bytes: 65536 bytes cannot hold one set of", "(131072 bytes)",
                           "decoder.hot_entries: 5000 is more than the formats.weights (vq<8,12,2>/tile256) codebook's 4096 entries", "dataflow: the VQ array is weight-stationary only"] {
                XCTAssertTrue(message.contains(needle), "missing \(needle) in \(message)")
            }
        }
        // A VQ-coded KV cache's codebooks go through the same decoder and must fit it too.
        let cq = text.replacingOccurrences(of: "dataflow: os", with: "dataflow: ws").replacingOccurrences(of: "aqlm3", with: "cq4")
            .replacingOccurrences(of: "kv: fp16", with: "kv: cq2")
            .replacingOccurrences(of: "decoder: {codebook_bytes: 65536, hot_entries: 5000, lanes: 0, colour: red}", with: "decoder: {codebook_bytes: 1536}")
        XCTAssertThrowsError(try ArchitectureConfig.parse(cq, path: "cq.yaml")) {
            XCTAssertTrue("\($0)".contains("decoder.codebook_bytes: 1536 bytes cannot hold one set of formats.kv (vq<4,8,1>/tensor) codebooks (2048 bytes)"), "\($0)")
        }
        XCTAssertEqual(try ArchitectureConfig.parse(cq.replacingOccurrences(of: "1536", with: "2048"), path: "cq.yaml").valueCacheFormat.vq?.axis, .output)
        let scoped = try ArchitectureConfig.parse(text.replacingOccurrences(of: "dataflow: os", with: "dataflow: ws")
            .replacingOccurrences(of: "decoder: {codebook_bytes: 65536, hot_entries: 5000, lanes: 0, colour: red}", with: "decoder: {codebook_bytes: 262144}"),
                                                  path: "vq.yaml")
        XCTAssertEqual(scoped.weightFormat.vq?.scope, .tile(256))
        XCTAssertThrowsError(try ArchitectureConfig.parse(text.replacingOccurrences(of: "tile256", with: "blocks"), path: "x.yaml")) {
            XCTAssertTrue("\($0)".contains("formats.vq_scope: expected tensor, tileN or rowsN, got blocks"), "\($0)")
        }
    }

    func testEveryProblemIsReportedAtOnceWithItsField() throws {
        let text = """
        name: broken
        pe: mant
        clock_mhz: -5
        colour: blue
        array: {rows: 0, columns: 32}
        buffers: {weight_bytes: 1024, activation_bytes: 1024}
        dram: {bits_per_cycle: 64, latency_cycles: 10, banks: 4}
        formats: {weights: int4, activation_bits: 6}
        """
        XCTAssertThrowsError(try ArchitectureConfig.parse(text, path: "broken.yaml")) { error in
            let message = "\(error)"
            for needle in ["broken.yaml: clock_mhz", "broken.yaml: colour: unknown key", "array.rows", "buffers.output_bytes: missing",
                           "dram.banks: unknown key", "formats.weights: int4 does not run on a 'mant' array", "formats.activation_bits"] {
                XCTAssertTrue(message.contains(needle), "missing '\(needle)' in\n\(message)")
            }
        }
        let kv = """
        name: kv
        pe: int
        clock_mhz: 500
        array: {rows: 8, columns: 8}
        buffers: {weight_bytes: 1024, activation_bytes: 1024, output_bytes: 1024}
        dram: {bits_per_cycle: 64, latency_cycles: 10}
        formats: {weights: int4, kv: mant4, activation_bits: 8}
        vector: {lanes: 0, width: 3}
        """
        XCTAssertThrowsError(try ArchitectureConfig.parse(kv, path: "kv.yaml")) { error in
            let message = "\(error)"
            for needle in ["formats.kv: mant4 does not run on a 'int' array", "vector.lanes", "vector.width: unknown key"] {
                XCTAssertTrue(message.contains(needle), "missing '\(needle)' in\n\(message)")
            }
        }
        let orphan = kv.replacingOccurrences(of: "kv: mant4", with: "kv_group: 32").replacingOccurrences(of: "vector: {lanes: 0, width: 3}", with: "")
        XCTAssertThrowsError(try ArchitectureConfig.parse(orphan, path: "kv.yaml")) { XCTAssertTrue("\($0)".contains("formats.kv_group: given without formats.kv")) }
        let plain = try ArchitectureConfig.parse(orphan.replacingOccurrences(of: ", kv_group: 32", with: ""), path: "kv.yaml")
        XCTAssertEqual(plain.kvFormat, plain.weightFormat)
        XCTAssertEqual(plain.vector, VectorUnitConfig())
        XCTAssertThrowsError(try ArchitectureConfig.parse("pe: [", path: "bad.yaml")) { XCTAssertTrue("\($0)".contains("bad.yaml: YAML")) }
        XCTAssertThrowsError(try ArchitectureConfig.load(path: "/no/such.yaml")) { XCTAssertTrue("\($0)".contains("file: does not exist")) }
        XCTAssertThrowsError(try ArchitectureConfig.parse("pe: tpu", path: "x.yaml")) { XCTAssertTrue("\($0)".contains("pe: expected one of")) }
    }
}
