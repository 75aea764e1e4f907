import Foundation
import XCTest
import MantNumerics
@testable import MantTensorIO

final class TensorFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testAtomicWritesReplaceAnExistingFileWhole() throws {
        let file = path("again.safetensors")
        try SafetensorsFile.write([("a", try Tensor(shape: [2], values: [1, 2]))], to: file)
        try SafetensorsFile.write([("b", try Tensor(shape: [3], values: [3, 4, 5]))], to: file)
        let reread = try SafetensorsFile(path: file)
        XCTAssertEqual(reread.tensorNames, ["b"])
        XCTAssertEqual(try reread.tensor(named: "b").values, [3, 4, 5])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }
        XCTAssertEqual(leftovers, [])
        XCTAssertThrowsError(try SafetensorsFile.write([], to: "/no/such/folder/x.safetensors")) { XCTAssertTrue("\($0)".contains("does not exist"), "\($0)") }
    }

    private func sample() throws -> Tensor {
        try SyntheticTensor.llmLike(rows: 8, columns: 64, seed: 3)
    }

    /// Builds a safetensors file byte by byte from a header object and a data blob.
    private func writeSafetensors(_ header: [String: Any], data: Data, to name: String, lengthOverride: UInt64? = nil) throws -> String {
        let json = try JSONSerialization.data(withJSONObject: header)
        var file = Data()
        withUnsafeBytes(of: (lengthOverride ?? UInt64(json.count)).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(data)
        try file.write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    func testSafetensorsRoundTripAndHalfTypes() throws {
        let tensor = try sample()
        try SafetensorsFile.write([("model.layers.0.mlp.down_proj.weight", tensor)], to: path("a.safetensors"))
        let file = try SafetensorsFile(path: path("a.safetensors"))
        XCTAssertEqual(file.tensorNames, ["model.layers.0.mlp.down_proj.weight"])
        XCTAssertEqual(try file.tensor(named: "model.layers.0.mlp.down_proj.weight"), tensor)

        // F16 and BF16 payloads decode exactly.
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3555, 0x0001]
        let brains: [UInt16] = [0x3F80, 0xC040, 0x3EAB, 0x0080]
        var data = Data()
        for value in halves + brains { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let mixed = try writeSafetensors([
            "h": ["dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]],
            "b": ["dtype": "BF16", "shape": [4], "data_offsets": [8, 16]],
            "__metadata__": ["format": "pt"]], data: data, to: "mixed.safetensors")
        let reread = try SafetensorsFile(path: mixed)
        XCTAssertEqual(try reread.tensor(named: "h").values, halves.map { Float(Float16(bitPattern: $0)) })
        XCTAssertEqual(try reread.tensor(named: "b").values, brains.map { Float(bitPattern: UInt32($0) << 16) })
    }

    func testBrokenSafetensorsNameTheFieldAtFault() throws {
        func expectError(_ file: String, mentions needle: String, tensor: String? = nil, line: UInt = #line) {
            XCTAssertThrowsError(try {
                let opened = try SafetensorsFile(path: file)
                if let tensor { _ = try opened.tensor(named: tensor) }
            }(), line: line) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(error)", line: line)
                XCTAssertTrue("\(error)".contains(file), "\(error)", line: line)
            }
        }
        let good = Data(repeating: 0, count: 16)
        expectError(path("missing.safetensors"), mentions: "no such file")
        expectError(try writeSafetensors(["x": ["dtype": "F32", "shape": [4], "data_offsets": [0, 16]]], data: good,
                                         to: "lying-length.safetensors", lengthOverride: 1 << 40), mentions: "header length")
        expectError(try writeSafetensors(["x": ["dtype": "F32", "shape": [8], "data_offsets": [0, 32]]], data: good,
                                         to: "truncated.safetensors"), mentions: "data_offsets")
        expectError(try writeSafetensors(["x": ["dtype": "F32", "shape": [5], "data_offsets": [0, 16]]], data: good,
                                         to: "shape.safetensors"), mentions: "needs 20")
        expectError(try writeSafetensors(["x": ["dtype": "F32", "shape": [-1], "data_offsets": [0, 16]]], data: good,
                                         to: "negative.safetensors"), mentions: "shape")
        expectError(try writeSafetensors(["x": ["dtype": "I8", "shape": [16], "data_offsets": [0, 16]]], data: good,
                                         to: "int.safetensors"), mentions: "I8 is not supported", tensor: "x")
        expectError(try writeSafetensors(["x": ["dtype": "F32", "shape": [4], "data_offsets": [0, 16]]], data: good,
                                         to: "name.safetensors"), mentions: "no tensor named 'y'", tensor: "y")
        expectError(try writeSafetensors(["x": ["dtype": "F32", "shape": [0, 4], "data_offsets": [0, 0]]], data: good,
                                         to: "empty.safetensors"), mentions: "every axis must be positive", tensor: "x")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path("tiny.safetensors")))
        expectError(path("tiny.safetensors"), mentions: "8-byte header length")
        var garbage = Data()
        withUnsafeBytes(of: UInt64(4).littleEndian) { garbage.append(contentsOf: $0) }
        garbage.append(contentsOf: Array("nope".utf8))
        try garbage.write(to: URL(fileURLWithPath: path("garbage.safetensors")))
        expectError(path("garbage.safetensors"), mentions: "not a JSON object")
        // Numbers are read exactly: a shape or offset that would wrap past 2^64 or lose a fraction
        // is refused, never read as the 2 x 2 tensor it would become.
        func raw(_ header: String, _ name: String) throws -> String {
            var file = Data()
            withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { file.append(contentsOf: $0) }
            file.append(Data(header.utf8))
            file.append(good)
            try file.write(to: URL(fileURLWithPath: path(name)))
            return path(name)
        }
        for (name, shape, offsets, field) in [("wrap-shape", "[18446744073709551618, 2]", "[0, 16]", "shape"),
                                              ("wrap-offset", "[2, 2]", "[18446744073709551616, 16]", "data_offsets"),
                                              ("fraction-shape", "[2.9, 2]", "[0, 16]", "shape"),
                                              ("fraction-offset", "[2, 2]", "[0, 16.9]", "data_offsets")] {
            let file = try raw("{\"x\": {\"dtype\": \"F32\", \"shape\": \(shape), \"data_offsets\": \(offsets)}}", "\(name).safetensors")
            expectError(file, mentions: "tensor 'x' \(field)")
        }
        XCTAssertNoThrow(try SafetensorsFile(path: try raw("{\"x\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", "exact.safetensors")))
    }

    func testNumpyRoundTripFortranOrderAndErrors() throws {
        let tensor = try sample()
        try NumpyFile.write(tensor, to: path("a.npy"))
        XCTAssertEqual(try NumpyFile.read(path: path("a.npy")), tensor)

        // A 2x3 float64 array in Fortran order: columns stored first.
        let header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }"
        var data = Data(NumpyFile.magic + [1, 0])
        let padded = header + String(repeating: " ", count: 63 - (10 + header.count) % 64) + "\n"
        withUnsafeBytes(of: UInt16(padded.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(padded.utf8))
        for value in [1.0, 4, 2, 5, 3, 6] { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: path("f.npy")))
        let fortran = try NumpyFile.read(path: path("f.npy"))
        XCTAssertEqual(fortran.shape, [2, 3])
        XCTAssertEqual(fortran.values, [1, 2, 3, 4, 5, 6])

        try Data("not numpy at all".utf8).write(to: URL(fileURLWithPath: path("bad.npy")))
        XCTAssertThrowsError(try NumpyFile.read(path: path("bad.npy"))) { XCTAssertTrue("\($0)".contains("magic")) }
        try data.prefix(data.count - 8).write(to: URL(fileURLWithPath: path("short.npy")))
        XCTAssertThrowsError(try NumpyFile.read(path: path("short.npy"))) { XCTAssertTrue("\($0)".contains("truncated")) }
    }

    func testQuantizedContainerRoundTripsEveryFormat() throws {
        let tensor = try sample()
        var stored = [(name: String, tensor: QuantizedTensor)]()
        for name in FormatCatalog.allDefault {
            stored.append((name, try FormatCatalog.parse(name).makeFormat().quantize(tensor)))
        }
        try QuantizedTensorFile.write(stored, to: path("all.mqt"))
        let reread = try QuantizedTensorFile.read(path: path("all.mqt"))
        XCTAssertEqual(reread.map(\.name), stored.map(\.name))
        for (a, b) in zip(reread, stored) { XCTAssertEqual(a.tensor, b.tensor, a.name) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }
        XCTAssertEqual(leftovers, [])
    }

    func testCorruptQuantizedContainerIsRejected() throws {
        let quantized = try MANTFormat().quantize(try sample())
        try QuantizedTensorFile.write([("w", quantized)], to: path("q.mqt"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path("q.mqt")))
        try bytes.prefix(bytes.count - 3).write(to: URL(fileURLWithPath: path("cut.mqt")))
        XCTAssertThrowsError(try QuantizedTensorFile.read(path: path("cut.mqt"))) { XCTAssertTrue("\($0)".contains("field"), "\($0)") }
        bytes[0] = 0x41
        try bytes.write(to: URL(fileURLWithPath: path("magic.mqt")))
        XCTAssertThrowsError(try QuantizedTensorFile.read(path: path("magic.mqt"))) { XCTAssertTrue("\($0)".contains("MANTSIMQ")) }
        // A selector beyond 4 bits cannot be smuggled in through the header.
        var widened = try Data(contentsOf: URL(fileURLWithPath: path("q.mqt")))
        let needle = Data("\"bitWidth\":4,\"count\":8".utf8)
        let found = try XCTUnwrap(widened.range(of: needle))
        widened.replaceSubrange(found, with: Data("\"bitWidth\":5,\"count\":8".utf8))
        try widened.write(to: URL(fileURLWithPath: path("width.mqt")))
        XCTAssertThrowsError(try QuantizedTensorFile.read(path: path("width.mqt"))) { XCTAssertTrue("\($0)".contains("selector"), "\($0)") }
    }
}
