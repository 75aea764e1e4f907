import Foundation
import MantNumerics

/// A `.safetensors` checkpoint: an 8-byte little-endian header length, a JSON header mapping each
/// tensor name to its dtype, shape and byte range, then the raw data. F32, F16, BF16 and F64
/// tensors are read (as binary32); every header field is checked against the file before use.
public struct SafetensorsFile {
    public struct Entry: Equatable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        public let dataRange: Range<Int>
    }

    public let path: String
    public let entries: [String: Entry]
    private let reader: ByteReader
    private let dataStart: Int

    /// The limit the safetensors format itself sets on the header.
    static let maximumHeaderBytes = 100_000_000

    public init(path: String) throws {
        reader = try ByteReader(path: path)
        self.path = path
        guard reader.count >= 8 else {
            throw TensorFileError(path: path, field: "header length", message: "file is \(reader.count) bytes; a safetensors file starts with an 8-byte header length")
        }
        let headerLength = try reader.littleEndian(UInt64.self, at: 0, field: "header length")
        guard headerLength <= UInt64(min(SafetensorsFile.maximumHeaderBytes, reader.count - 8)) else {
            throw TensorFileError(path: path, field: "header length",
                                  message: "says \(headerLength) bytes but only \(reader.count - 8) follow (truncated file or not safetensors)")
        }
        dataStart = 8 + Int(headerLength)
        let headerBytes = try reader.bytes(8..<dataStart, field: "header")
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes), let header = json as? [String: Any] else {
            throw TensorFileError(path: path, field: "header", message: "is not a JSON object")
        }
        let dataSize = reader.count - dataStart
        var entries = [String: Entry]()
        for (name, value) in header where name != "__metadata__" {
            entries[name] = try SafetensorsFile.entry(name: name, value: value, dataSize: dataSize, path: path)
        }
        self.entries = entries
    }

    private static func entry(name: String, value: Any, dataSize: Int, path: String) throws -> Entry {
        func fail(_ field: String, _ message: String) -> TensorFileError {
            TensorFileError(path: path, field: "tensor '\(name)' \(field)", message: message)
        }
        guard let object = value as? [String: Any] else { throw fail("entry", "expected an object with dtype, shape, data_offsets") }
        guard let dtype = object["dtype"] as? String else { throw fail("dtype", "missing or not a string") }
        guard let shapeValues = object["shape"] as? [Any] else { throw fail("shape", "expected a list of non-negative integers") }
        let shape = shapeValues.map(SafetensorsFile.wholeNumber)
        if let bad = zip(shapeValues, shape).first(where: { $0.1 == nil }) {
            throw fail("shape", "expected a list of non-negative integers, got \(bad.0) (a fraction, or out of range)")
        }
        guard let offsetValues = object["data_offsets"] as? [Any], offsetValues.count == 2 else {
            throw fail("data_offsets", "expected [begin, end] with 0 <= begin <= end")
        }
        guard let begin = wholeNumber(offsetValues[0]), let end = wholeNumber(offsetValues[1]), begin <= end else {
            throw fail("data_offsets", "expected [begin, end] with 0 <= begin <= end, whole numbers in range, got [\(offsetValues[0]), \(offsetValues[1])]")
        }
        let dimensions = shape.map { $0! }
        guard end <= dataSize else {
            throw fail("data_offsets", "ends at \(end) but the data section has \(dataSize) bytes (truncated file?)")
        }
        guard let count = Tensor.elementCount(of: dimensions), count <= dataSize else {
            throw fail("shape", "\(dimensions) holds more values than the file has bytes")
        }
        if let type = ElementType(rawValue: dtype) {
            let expected = count * type.size
            guard end - begin == expected else {
                throw fail("data_offsets", "span \(end - begin) bytes but shape \(dimensions) of \(dtype) needs \(expected)")
            }
        }
        return Entry(name: name, dtype: dtype, shape: dimensions, dataRange: begin..<end)
    }

    /// A JSON number that is exactly a non-negative whole number an Int holds, as written; nil for
    /// a fraction, a value out of range (which would wrap or round), or anything not a number.
    static func wholeNumber(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        guard let whole = Int(number.stringValue), whole >= 0 else { return nil }
        return whole
    }

    public var tensorNames: [String] { entries.keys.sorted() }

    /// Reads one tensor as FP32. A 0-d tensor becomes shape [1].
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else {
            let known = tensorNames.prefix(20).joined(separator: ", ")
            throw TensorFileError(path: path, field: "tensor", message: "no tensor named '\(name)'; the file holds: \(known)\(entries.count > 20 ? ", ..." : "")")
        }
        guard let type = ElementType(rawValue: entry.dtype) else {
            throw TensorFileError(path: path, field: "tensor '\(name)' dtype",
                                  message: "\(entry.dtype) is not supported; expected F32, F16, BF16 or F64")
        }
        let count = entry.shape.reduce(1, *)
        let raw = try reader.bytes((dataStart + entry.dataRange.lowerBound)..<(dataStart + entry.dataRange.upperBound),
                                   field: "tensor '\(name)' data")
        do {
            return try Tensor(shape: entry.shape.isEmpty ? [1] : entry.shape, values: type.decode(raw, count: count))
        } catch {
            throw TensorFileError(path: path, field: "tensor '\(name)' shape", message: "\(error)")
        }
    }

    /// Writes tensors as F32 (used by tests and by users who want to hand MantSim a small file).
    public static func write(_ tensors: [(name: String, tensor: Tensor)], to path: String) throws {
        var header = [String: Any]()
        var data = Data()
        for (name, tensor) in tensors {
            let begin = data.count
            for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [begin, data.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(data)
        try OutputFile.write(file, to: path)
    }
}
