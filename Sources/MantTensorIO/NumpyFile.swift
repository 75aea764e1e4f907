import Foundation
import MantNumerics

/// A NumPy `.npy` array (format versions 1, 2 and 3): magic, a Python-literal header with
/// `descr`, `fortran_order` and `shape`, then the data. Floating dtypes f2, f4 and f8 of either byte
/// order are read as binary32; Fortran order is transposed to row-major.
public enum NumpyFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The parts of an .npy file before its data.
    struct Header {
        let reader: ByteReader
        let descr: String
        let fortranOrder: Bool
        let shape: [Int]
        let dataStart: Int
        var bigEndian: Bool { descr.first == ">" }
        var kind: Substring { descr.dropFirst() }
    }

    static func header(path: String) throws -> Header {
        let reader = try ByteReader(path: path)
        func fail(_ field: String, _ message: String) -> TensorFileError {
            TensorFileError(path: path, field: field, message: message)
        }
        guard reader.count >= 10, [UInt8](try reader.bytes(0..<6, field: "magic")) == magic else {
            throw fail("magic", "expected \\x93NUMPY at the start (not an .npy file)")
        }
        let major = try reader.bytes(6..<7, field: "version").first!
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(try reader.littleEndian(UInt16.self, at: 8, field: "header length"))
            headerStart = 10
        case 2, 3:
            headerLength = Int(try reader.littleEndian(UInt32.self, at: 8, field: "header length"))
            headerStart = 12
        default: throw fail("version", "format version \(major) is not supported (expected 1, 2 or 3)")
        }
        let headerData = try reader.bytes(headerStart..<(headerStart + headerLength), field: "header")
        guard let header = String(data: headerData, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("header", "is not text")
        }
        let descr = try stringValue(of: "descr", in: header, path: path)
        let fortran = try literal(of: "fortran_order", in: header, path: path)
        guard fortran == "True" || fortran == "False" else { throw fail("fortran_order", "expected True or False, got \(fortran)") }
        let shapeText = try literal(of: "shape", in: header, path: path)
        let shape = try parseShape(shapeText, path: path)
        guard let order = descr.first, "<>|=".contains(order), descr.count >= 3 else { throw fail("descr", "'\(descr)' is not a NumPy dtype string") }
        return Header(reader: reader, descr: descr, fortranOrder: fortran == "True", shape: shape, dataStart: headerStart + headerLength)
    }

    /// The data bytes of `count` elements of `size` bytes, checked against the file.
    static func payload(_ header: Header, size: Int, path: String) throws -> (Data, Int) {
        guard let count = Tensor.elementCount(of: header.shape), count <= header.reader.count else {
            throw TensorFileError(path: path, field: "shape", message: "\(header.shape) holds more values than the file has bytes")
        }
        let expected = count * size
        guard header.reader.count - header.dataStart == expected else {
            throw TensorFileError(path: path, field: "data",
                                  message: "shape \(header.shape) of \(header.descr) needs \(expected) bytes, the file has \(header.reader.count - header.dataStart) (truncated?)")
        }
        return (try header.reader.bytes(header.dataStart..<header.reader.count, field: "data"), count)
    }

    /// A 1-D (or any-shape, flattened in C order) array of integers, e.g. token ids: signed or
    /// unsigned, 1 to 8 bytes, either byte order.
    public static func readIntegers(path: String) throws -> [Int] {
        let header = try header(path: path)
        let kind = header.kind
        guard let first = kind.first, first == "i" || first == "u", let size = Int(kind.dropFirst()), [1, 2, 4, 8].contains(size) else {
            throw TensorFileError(path: path, field: "descr", message: "dtype '\(header.descr)' is not an integer array; expected <i4, <i8, <u2 or the like")
        }
        guard !header.fortranOrder || header.shape.count <= 1 else {
            throw TensorFileError(path: path, field: "fortran_order", message: "a multi-axis Fortran-order integer array is not read; save it in C order")
        }
        let (data, count) = try payload(header, size: size, path: path)
        return try data.withUnsafeBytes { buffer in
            try (0..<count).map { index -> Int in
                var raw: UInt64 = 0
                for byte in 0..<size {
                    let position = header.bigEndian ? index * size + (size - 1 - byte) : index * size + byte
                    raw |= UInt64(buffer[position]) << (8 * UInt64(byte))
                }
                if first == "i" && size < 8 && raw & (1 << (8 * UInt64(size) - 1)) != 0 { raw |= ~0 << (8 * UInt64(size)) }
                guard first == "i" || raw <= UInt64(Int.max) else {
                    throw TensorFileError(path: path, field: "data[\(index)]", message: "\(raw) does not fit an Int")
                }
                return Int(Int64(bitPattern: raw))
            }
        }
    }

    public static func read(path: String) throws -> Tensor {
        let header = try header(path: path)
        let shape = header.shape
        let type: ElementType
        switch header.kind {
        case "f4": type = .f32
        case "f2": type = .f16
        case "f8": type = .f64
        default: throw TensorFileError(path: path, field: "descr", message: "dtype '\(header.descr)' is not supported; expected a float array (<f2, <f4 or <f8)")
        }
        let (data, count) = try payload(header, size: type.size, path: path)
        var values = type.decode(data, count: count, bigEndian: header.bigEndian)
        var rowMajorShape = shape.isEmpty ? [1] : shape
        if header.fortranOrder && shape.count > 1 {
            values = transposeFortran(values, shape: shape)
            rowMajorShape = shape
        }
        do {
            return try Tensor(shape: rowMajorShape, values: values)
        } catch {
            throw TensorFileError(path: path, field: "shape", message: "\(error)")
        }
    }

    private static func literal(of key: String, in header: String, path: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else {
            throw TensorFileError(path: path, field: key, message: "missing from the header")
        }
        var rest = header[keyRange.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { throw TensorFileError(path: path, field: key, message: "malformed header entry") }
        rest = rest.dropFirst().drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw TensorFileError(path: path, field: key, message: "unclosed tuple") }
            return String(rest[...close])
        }
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }

    private static func stringValue(of key: String, in header: String, path: String) throws -> String {
        let text = try literal(of: key, in: header, path: path)
        guard text.count >= 2, let quote = text.first, quote == "'" || quote == "\"", text.last == quote else {
            throw TensorFileError(path: path, field: key, message: "expected a quoted string, got \(text)")
        }
        return String(text.dropFirst().dropLast())
    }

    private static func parseShape(_ text: String, path: String) throws -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else {
            throw TensorFileError(path: path, field: "shape", message: "expected a tuple, got \(text)")
        }
        let parts = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try parts.map {
            guard let value = Int($0.hasSuffix("L") ? String($0.dropLast()) : $0), value >= 0 else {
                throw TensorFileError(path: path, field: "shape", message: "'\($0)' is not a non-negative integer")
            }
            return value
        }
    }

    private static func transposeFortran(_ values: [Float], shape: [Int]) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        var columnMajorStrides = [Int](repeating: 1, count: shape.count)
        for axis in 1..<shape.count { columnMajorStrides[axis] = columnMajorStrides[axis - 1] * shape[axis - 1] }
        var index = [Int](repeating: 0, count: shape.count)
        for flat in 0..<values.count {
            var source = 0
            for axis in 0..<shape.count { source += index[axis] * columnMajorStrides[axis] }
            result[flat] = values[source]
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// Writes a little-endian float32 C-order array (version 1).
    public static func write(_ tensor: Tensor, to path: String) throws {
        var payload = Data()
        for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
        try write(payload, descr: "<f4", shape: tensor.shape, to: path)
    }

    /// Writes a 1-D little-endian int64 array (token ids, for `--tokens`).
    public static func writeIntegers(_ values: [Int], to path: String) throws {
        var payload = Data()
        for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { payload.append(contentsOf: $0) } }
        try write(payload, descr: "<i8", shape: [values.count], to: path)
    }

    private static func write(_ payload: Data, descr: String, shape: [Int], to path: String) throws {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data(magic + [1, 0])
        withUnsafeBytes(of: UInt16(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(payload)
        try OutputFile.write(data, to: path)
    }
}
