import Foundation
import MantNumerics

/// A NumPy `.npy` array (format versions 1, 2 and 3): magic, a Python-literal header with
/// `descr`, `fortran_order` and `shape`, then the data. Floating dtypes f2, f4 and f8 of either byte
/// order are read as binary32; Fortran order is transposed to row-major.
public enum NumpyFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    public static func read(path: String) throws -> Tensor {
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

        let order = descr.first
        guard let order, "<>|=".contains(order), descr.count >= 3 else { throw fail("descr", "'\(descr)' is not a NumPy dtype string") }
        let type: ElementType
        switch descr.dropFirst() {
        case "f4": type = .f32
        case "f2": type = .f16
        case "f8": type = .f64
        default: throw fail("descr", "dtype '\(descr)' is not supported; expected a float array (<f2, <f4 or <f8)")
        }
        guard let count = Tensor.elementCount(of: shape), count <= reader.count else {
            throw fail("shape", "\(shape) holds more values than the file has bytes")
        }
        let dataStart = headerStart + headerLength
        let expected = count * type.size
        guard reader.count - dataStart == expected else {
            throw fail("data", "shape \(shape) of \(descr) needs \(expected) bytes, the file has \(reader.count - dataStart) (truncated?)")
        }
        var values = type.decode(try reader.bytes(dataStart..<reader.count, field: "data"), count: count, bigEndian: order == ">")
        var rowMajorShape = shape.isEmpty ? [1] : shape
        if fortran == "True" && shape.count > 1 {
            values = transposeFortran(values, shape: shape)
            rowMajorShape = shape
        }
        do {
            return try Tensor(shape: rowMajorShape, values: values)
        } catch {
            throw fail("shape", "\(error)")
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
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data(magic + [1, 0])
        withUnsafeBytes(of: UInt16(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try OutputFile.write(data, to: path)
    }
}
