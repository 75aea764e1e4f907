import Foundation
import XCTest
import MantNumerics
@testable import MantTensorIO

final class GGUFTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func half(_ value: Float) -> Data {
        withUnsafeBytes(of: MiniFloat.fp16.encode(value).littleEndian) { Data($0) }
    }

    func testMetadataOfEveryKindAndTensorsRoundTrip() throws {
        let metadata: [String: GGUFValue] = [
            "general.architecture": .string("llama"), "count": .int(-7), "huge": .uint(UInt64.max), "ratio": .float(0.25),
            "flag": .bool(true), "names": .array([.string("a b"), .string("ünï"), .string("")]),
            "nested": .array([.array([.int(1), .int(2)]), .array([.int(3)])]),
        ]
        let matrix = try Tensor(shape: [3, 32], values: (0..<96).map { Float($0) / 8 - 3 })
        try GGUFFile.write(metadata: metadata, tensors: [.init(name: "m", tensor: matrix), .init(name: "h", tensor: matrix, type: .f16)], to: path("a.gguf"))
        let file = try GGUFFile(path: path("a.gguf"))
        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(file.tensorNames, ["m", "h"])
        XCTAssertEqual(try file.info(named: "m").dimensions, [32, 3], "ggml's order: innermost axis first")
        XCTAssertEqual(try file.tensor(named: "m"), matrix)
        XCTAssertEqual(try file.tensor(named: "h"), matrix, "multiples of 1/8 are exact in FP16")
        XCTAssertEqual(try file.strings("names"), ["a b", "ünï", ""])
        XCTAssertEqual(try file.integer("count"), -7)
        XCTAssertThrowsError(try file.integer("huge")) { XCTAssertTrue("\($0)".contains("'huge'"), "\($0)") }
        XCTAssertThrowsError(try file.string("missing")) { XCTAssertTrue("\($0)".contains("'missing': missing"), "\($0)") }
    }

    /// Blocks built by hand, decoded by ggml's formulas written out here independently.
    func testBlockFormats() throws {
        // Q8_0: d = 0.5, codes -128...127 in the first 32.
        var q8 = half(0.5)
        let codes = (0..<32).map { Int8(truncatingIfNeeded: $0 * 9 - 128) }
        q8.append(contentsOf: codes.map { UInt8(bitPattern: $0) })
        // Q4_0: d = 2, nibble j holds element j (low) and j + 16 (high); w = d (q - 8).
        var q40 = half(2)
        q40.append(contentsOf: (0..<16).map { (j: Int) -> UInt8 in UInt8(j) | UInt8(15 - j) << 4 })
        // Q4_1: d = 0.25, m = -1; w = d q + m.
        var q41 = half(0.25) + half(-1)
        q41.append(contentsOf: (0..<16).map { (j: Int) -> UInt8 in UInt8(j) | UInt8(j / 2) << 4 })
        try GGUFFile.write(metadata: [:], tensors: [
            .init(name: "q8", shape: [32], type: .q8_0, raw: q8), .init(name: "q40", shape: [32], type: .q4_0, raw: q40),
            .init(name: "q41", shape: [32], type: .q4_1, raw: q41),
        ], to: path("blocks.gguf"))
        let file = try GGUFFile(path: path("blocks.gguf"))
        XCTAssertEqual(try file.tensor(named: "q8").values, codes.map { Float($0) * 0.5 })
        XCTAssertEqual(try file.tensor(named: "q40").values, (0..<16).map { Float($0 - 8) * 2 } + (0..<16).map { Float(7 - $0) * 2 })
        XCTAssertEqual(try file.tensor(named: "q41").values, (0..<16).map { Float($0) * 0.25 - 1 } + (0..<16).map { Float($0 / 2) * 0.25 - 1 })
    }

    /// Q4_K: sub-block j's 6-bit scale and min; for j < 4 the low 6 bits of bytes j and j + 4, for
    /// j >= 4 a nibble of byte j + 4 plus the top two bits of bytes j - 4 and j.
    func testQ4KScalesAndMins() throws {
        var scales = [UInt8](repeating: 0, count: 12)
        let wantedScales: [UInt8] = [1, 2, 3, 63, 5, 40, 7, 33]
        let wantedMins: [UInt8] = [0, 9, 10, 11, 62, 13, 14, 1]
        for j in 0..<4 {
            scales[j] = wantedScales[j] & 63 | (wantedScales[j + 4] >> 4) << 6
            scales[j + 4] = wantedMins[j] & 63 | (wantedMins[j + 4] >> 4) << 6
            scales[j + 8] = wantedScales[j + 4] & 15 | (wantedMins[j + 4] & 15) << 4
        }
        let nibbles: [UInt8] = (0..<128).map { (index: Int) -> UInt8 in
            let low = UInt8(index % 16), high = UInt8((index / 3) % 16)
            return low | high << 4
        }
        let block = half(0.5) + half(0.125) + Data(scales) + Data(nibbles)
        try GGUFFile.write(metadata: [:], tensors: [.init(name: "k", shape: [256], type: .q4_K, raw: block)], to: path("k.gguf"))
        let values = try GGUFFile(path: path("k.gguf")).tensor(named: "k").values
        for chunk in 0..<4 {
            for l in 0..<32 {
                let q = nibbles[chunk * 32 + l]
                XCTAssertEqual(values[chunk * 64 + l], 0.5 * Float(wantedScales[2 * chunk]) * Float(q & 15) - 0.125 * Float(wantedMins[2 * chunk]))
                XCTAssertEqual(values[chunk * 64 + 32 + l], 0.5 * Float(wantedScales[2 * chunk + 1]) * Float(q >> 4) - 0.125 * Float(wantedMins[2 * chunk + 1]))
            }
        }
    }

    // MARK: Hostile files

    /// A valid file with one F32 tensor, as bytes, to cut and corrupt.
    private func sample() throws -> [UInt8] {
        try GGUFFile.write(metadata: ["general.architecture": .string("llama"), "list": .array([.int(1), .int(2)])],
                           tensors: [.init(name: "t", tensor: try Tensor(shape: [2, 8], values: (0..<16).map(Float.init)))], to: path("s.gguf"))
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("s.gguf"))))
    }

    private func refusal(_ bytes: [UInt8], read tensor: String? = nil) -> String? {
        let file = path("h-\(UUID().uuidString).gguf")
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        do {
            let gguf = try GGUFFile(path: file)
            if let tensor { _ = try gguf.tensor(named: tensor) }
            return nil
        } catch {
            XCTAssertTrue("\(error)".hasPrefix(file), "names the file: \(error)")
            return "\(error)"
        }
    }

    func testEveryTruncationIsRefusedByName() throws {
        let bytes = try sample()
        for length in 0..<bytes.count {
            XCTAssertNotNil(refusal(Array(bytes[..<length]), read: "t"), "truncated to \(length) of \(bytes.count) bytes")
        }
        XCTAssertNil(refusal(bytes, read: "t"))
    }

    /// Byte offset of a little-endian field found by its known value after a marker.
    private func offset(of marker: String, in bytes: [UInt8]) -> Int {
        let pattern = Array(marker.utf8)
        return (0...(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + pattern.count)]) == pattern }! + pattern.count
    }

    private func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { for (index, byte) in $0.enumerated() { bytes[offset + index] = byte } }
    }

    func testCorruptFieldsAreRefusedNamingTheField() throws {
        let good = try sample()
        var bytes = good
        bytes[0] = UInt8(ascii: "X")
        XCTAssertTrue(refusal(bytes)!.contains("magic"))

        bytes = good
        put(UInt32(9), at: 4, in: &bytes)
        XCTAssertTrue(refusal(bytes)!.contains("version: is 9"))

        // The metadata array 'list': type (4 bytes) then a length of 2^62.
        bytes = good
        put(UInt64(1) << 62, at: offset(of: "list", in: bytes) + 4 + 4, in: &bytes)
        let huge = refusal(bytes)!
        XCTAssertTrue(huge.contains("metadata 'list' array length") && huge.contains("4611686018427387904"), huge)

        // The tensor table entry of 't': n_dims, ne[0], ne[1], type, offset.
        let entry = offset(of: "t\u{02}\u{00}\u{00}\u{00}", in: good) - 4
        bytes = good
        put(UInt32(99), at: entry + 4 + 16, in: &bytes)
        XCTAssertNil(refusal(bytes), "an unknown type is listed")
        let unknown = refusal(bytes, read: "t")!
        XCTAssertTrue(unknown.contains("tensor 't' type") && unknown.contains("ggml type 99"), unknown)

        bytes = good
        put(UInt64(1 << 20), at: entry + 4 + 16 + 4, in: &bytes)
        XCTAssertTrue(refusal(bytes)!.contains("tensor 't' offset"))

        bytes = good
        put(UInt64(40), at: entry + 4 + 8, in: &bytes)
        XCTAssertTrue(refusal(bytes)!.contains("tensor 't' data"), "a shape larger than the data section")

        bytes = good
        put(UInt32(0), at: entry, in: &bytes)
        XCTAssertTrue(refusal(bytes)!.contains("tensor 't' n_dims: is 0"))

        bytes = good
        put(UInt64(12), at: entry + 4 + 16 + 4, in: &bytes)
        XCTAssertTrue(refusal(bytes)!.contains("multiple of 32"))
    }

    func testAlignmentAndNestingLimits() throws {
        let tensor = GGUFFile.TensorToWrite(name: "t", tensor: try Tensor(shape: [4], values: [1, 2, 3, 4]))
        try GGUFFile.write(metadata: ["general.alignment": .int(64)], tensors: [tensor, tensor.renamed("u")], to: path("a64.gguf"))
        let aligned = try GGUFFile(path: path("a64.gguf"))
        XCTAssertEqual(aligned.alignment, 64)
        XCTAssertEqual(aligned.dataStart % 64, 0)
        XCTAssertEqual(try aligned.tensor(named: "u").values, [1, 2, 3, 4])

        try GGUFFile.write(metadata: ["general.alignment": .int(24)], tensors: [], to: path("a24.gguf"))
        XCTAssertThrowsError(try GGUFFile(path: path("a24.gguf"))) { XCTAssertTrue("\($0)".contains("power of two"), "\($0)") }

        var deep = GGUFValue.int(1)
        for _ in 0..<6 { deep = .array([deep]) }
        try GGUFFile.write(metadata: ["deep": deep], tensors: [], to: path("deep.gguf"))
        XCTAssertThrowsError(try GGUFFile(path: path("deep.gguf"))) { XCTAssertTrue("\($0)".contains("nest deeper"), "\($0)") }
    }
}

extension GGUFFile.TensorToWrite {
    func renamed(_ name: String) -> Self { .init(name: name, shape: shape, type: type, raw: bytes) }
}
