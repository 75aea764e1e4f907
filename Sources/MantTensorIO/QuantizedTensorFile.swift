import Foundation
import MantNumerics

/// The MantSim quantized-tensor container (`.mqt`), documented in README.md:
///
///     bytes 0..<8    magic "MANTSIMQ"
///     bytes 8..<16   header length N, UInt64 little-endian
///     bytes 16..<16+N  JSON header: {"version": 1, "tensors": [ {name, format, shape, fields} ]}
///     then the data section: each field's values bit-packed LSB-first (BitPacking) at the byte
///     offset and length its header entry gives, relative to the start of the data section.
///
/// `format` is the FormatDescriptor (kind, bits, granularity, and the table or VQ parameters) so
/// the file names its decoder; `fields` lists `codes` first, then the metadata streams.
public enum QuantizedTensorFile {
    static let magic = Array("MANTSIMQ".utf8)
    public static let version = 1

    struct Header: Codable {
        var version: Int
        var tensors: [TensorEntry]
    }

    struct TensorEntry: Codable {
        var name: String
        var format: FormatDescriptor
        var shape: [Int]
        var fields: [FieldEntry]
    }

    struct FieldEntry: Codable {
        var name: String
        var bitWidth: Int
        var count: Int
        var offset: Int
        var length: Int
    }

    public static func write(_ tensors: [(name: String, tensor: QuantizedTensor)], to path: String) throws {
        var data = Data()
        var entries = [TensorEntry]()
        for (name, tensor) in tensors {
            var fields = [FieldEntry]()
            for field in [tensor.codes] + tensor.metadata {
                let packed = BitPacking.pack(field)
                fields.append(FieldEntry(name: field.name, bitWidth: field.bitWidth, count: field.values.count,
                                         offset: data.count, length: packed.count))
                data.append(contentsOf: packed)
            }
            entries.append(TensorEntry(name: name, format: tensor.format, shape: tensor.shape, fields: fields))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = try encoder.encode(Header(version: version, tensors: entries))
        var file = Data(magic)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        file.append(data)
        try OutputFile.write(file, to: path)
    }

    public static func read(path: String) throws -> [(name: String, tensor: QuantizedTensor)] {
        let reader = try ByteReader(path: path)
        guard reader.count >= 16, [UInt8](try reader.bytes(0..<8, field: "magic")) == magic else {
            throw TensorFileError(path: path, field: "magic", message: "expected MANTSIMQ (not a MantSim quantized-tensor file)")
        }
        let length = try reader.littleEndian(UInt64.self, at: 8, field: "header length")
        guard length <= UInt64(reader.count - 16) else {
            throw TensorFileError(path: path, field: "header length", message: "says \(length) bytes but only \(reader.count - 16) follow")
        }
        let dataStart = 16 + Int(length)
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: try reader.bytes(16..<dataStart, field: "header"))
        } catch let error as TensorFileError {
            throw error
        } catch {
            throw TensorFileError(path: path, field: "header", message: "is not a valid MantSim header (\(error))")
        }
        guard header.version == version else {
            throw TensorFileError(path: path, field: "version", message: "\(header.version) is not supported (expected \(version))")
        }
        return try header.tensors.map { entry in
            guard !entry.shape.isEmpty, entry.shape.allSatisfy({ $0 > 0 }),
                  let count = Tensor.elementCount(of: entry.shape), count <= reader.count * 16 else {
                throw TensorFileError(path: path, field: "tensor '\(entry.name)' shape",
                                      message: "\(entry.shape) is not a shape this file can hold (positive axes expected)")
            }
            var fields = [BitField]()
            for field in entry.fields {
                let label = "tensor '\(entry.name)' field '\(field.name)'"
                guard (1...32).contains(field.bitWidth), field.count >= 0, field.offset >= 0,
                      field.length == BitPacking.byteCount(count: field.count, bitWidth: field.bitWidth) else {
                    throw TensorFileError(path: path, field: label, message: "inconsistent width, count and length")
                }
                let bytes = try reader.bytes((dataStart + field.offset)..<(dataStart + field.offset + field.length), field: label)
                fields.append(try BitPacking.unpack([UInt8](bytes), name: field.name, bitWidth: field.bitWidth, count: field.count))
            }
            guard let codes = fields.first, codes.name == "codes" else {
                throw TensorFileError(path: path, field: "tensor '\(entry.name)' fields", message: "the first field must be 'codes'")
            }
            let tensor = QuantizedTensor(format: entry.format, shape: entry.shape, codes: codes, metadata: Array(fields.dropFirst()))
            do {
                // Decoding once proves every count and width matches the format before anyone uses it.
                _ = try entry.format.makeFormat().dequantize(tensor)
            } catch {
                throw TensorFileError(path: path, field: "tensor '\(entry.name)'", message: "\(error)")
            }
            return (entry.name, tensor)
        }
    }
}
