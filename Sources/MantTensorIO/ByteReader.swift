import Foundation
import MantNumerics

/// Bounds-checked little-endian reads over a file's bytes.
struct ByteReader {
    let data: Data
    let path: String

    init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TensorFileError(path: path, field: "file", message: "no such file")
        }
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw TensorFileError(path: path, field: "file", message: "cannot be read (\(error.localizedDescription))")
        }
    }

    var count: Int { data.count }

    func bytes(_ range: Range<Int>, field: String) throws -> Data {
        guard range.lowerBound >= 0, range.upperBound <= data.count, range.lowerBound <= range.upperBound else {
            throw TensorFileError(path: path, field: field,
                                  message: "needs bytes \(range.lowerBound)..<\(range.upperBound) but the file has \(data.count)")
        }
        return data.subdata(in: (data.startIndex + range.lowerBound)..<(data.startIndex + range.upperBound))
    }

    func littleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int, field: String) throws -> T {
        let raw = try bytes(offset..<(offset + MemoryLayout<T>.size), field: field)
        return raw.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }
}

/// Element types a tensor file may hold, decoded to binary32.
enum ElementType: String {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"

    var size: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .f64: return 8
        }
    }

    /// Decodes `count` little-endian (or byte-swapped big-endian) elements.
    func decode(_ raw: Data, count: Int, bigEndian: Bool = false) -> [Float] {
        raw.withUnsafeBytes { buffer -> [Float] in
            (0..<count).map { index -> Float in
                let offset = index * size
                switch self {
                case .f32:
                    let bits = buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                    return Float(bitPattern: bigEndian ? bits.byteSwapped : UInt32(littleEndian: bits))
                case .f64:
                    let bits = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    return Float(Double(bitPattern: bigEndian ? bits.byteSwapped : UInt64(littleEndian: bits)))
                case .f16, .bf16:
                    let raw = buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
                    let bits = bigEndian ? raw.byteSwapped : UInt16(littleEndian: raw)
                    return self == .f16 ? halfToFloat(bits) : Float(bitPattern: UInt32(bits) << 16)
                }
            }
        }
    }
}

@inline(__always) func halfToFloat(_ bits: UInt16) -> Float { MiniFloat.fp16.decode(bits) }
