import Foundation
import MantNumerics

/// A GGUF file (ggml's single-file model format, version 2 or 3): a header, typed metadata
/// key-value pairs, a tensor table, then tensor data aligned to `general.alignment` (32 by
/// default). Every count, length, offset and size is checked against the file before it is used,
/// so a hostile file is refused by name rather than read past its end or allowed to allocate
/// beyond its own size.
public struct GGUFFile {
    public struct TensorInfo: Equatable {
        public let name: String
        /// ggml's order: `dimensions[0]` is the contiguous (innermost) axis.
        public let dimensions: [Int]
        public let typeCode: UInt32
        /// From the start of the data section.
        public let offset: Int
        /// nil for a type MantSim does not decode; reading such a tensor is refused by name.
        public let byteCount: Int?

        public var type: GGMLType? { GGMLType(rawValue: typeCode) }
        /// Row-major shape, outermost axis first (PyTorch's order: a linear weight is [out, in]).
        public var shape: [Int] { dimensions.reversed() }
        public var elementCount: Int { dimensions.reduce(1, *) }
    }

    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// In the file's order.
    public let tensors: [TensorInfo]
    public let alignment: Int
    public let dataStart: Int
    private let reader: ByteReader
    private let index: [String: Int]

    /// Nesting of arrays inside arrays; GGUF writers produce one level.
    static let maximumArrayDepth = 4
    static let maximumDimensions = 4

    public init(path: String) throws {
        reader = try ByteReader(path: path)
        self.path = path
        var cursor = GGUFCursor(reader: reader)
        let magic = try cursor.bytes(4, field: "magic")
        guard magic == Data("GGUF".utf8) else {
            throw TensorFileError(path: path, field: "magic", message: "the file does not start with 'GGUF' (not a GGUF file)")
        }
        version = try cursor.integer(UInt32.self, field: "version")
        guard version == 2 || version == 3 else {
            throw TensorFileError(path: path, field: "version", message: "is \(version); GGUF versions 2 and 3 are read")
        }
        let tensorCount = try cursor.count(field: "tensor_count", minimumBytesEach: 24)
        let metadataCount = try cursor.count(field: "metadata_kv_count", minimumBytesEach: 12)
        var metadata = [String: GGUFValue]()
        for entry in 0..<metadataCount {
            let key = try cursor.string(field: "metadata key \(entry)")
            guard metadata[key] == nil else {
                throw TensorFileError(path: path, field: "metadata '\(key)'", message: "appears twice")
            }
            let type = try cursor.integer(UInt32.self, field: "metadata '\(key)' type")
            metadata[key] = try cursor.value(type: type, field: "metadata '\(key)'", depth: 0)
        }
        self.metadata = metadata
        alignment = try GGUFFile.alignment(in: metadata, path: path)

        var infos = [(name: String, dimensions: [Int], type: UInt32, offset: UInt64)]()
        var seen = Set<String>()
        for entry in 0..<tensorCount {
            let name = try cursor.string(field: "tensor \(entry) name")
            let field = "tensor '\(name)'"
            guard seen.insert(name).inserted else { throw TensorFileError(path: path, field: field, message: "appears twice in the tensor table") }
            let rank = try cursor.integer(UInt32.self, field: "\(field) n_dims")
            guard (1...UInt32(GGUFFile.maximumDimensions)).contains(rank) else {
                throw TensorFileError(path: path, field: "\(field) n_dims", message: "is \(rank); expected 1 to \(GGUFFile.maximumDimensions)")
            }
            var dimensions = [Int]()
            for axis in 0..<Int(rank) {
                let size = try cursor.integer(UInt64.self, field: "\(field) ne[\(axis)]")
                guard size > 0, size <= UInt64(reader.count) * 2 else {
                    throw TensorFileError(path: path, field: "\(field) ne[\(axis)]",
                                          message: "is \(size); expected a positive size no larger than the file allows")
                }
                dimensions.append(Int(size))
            }
            let type = try cursor.integer(UInt32.self, field: "\(field) type")
            let offset = try cursor.integer(UInt64.self, field: "\(field) offset")
            infos.append((name, dimensions, type, offset))
        }
        dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        guard dataStart <= reader.count else {
            throw TensorFileError(path: path, field: "data section", message: "starts at byte \(dataStart) but the file has \(reader.count) (truncated file?)")
        }
        let dataSize = reader.count - dataStart
        let alignment = alignment
        tensors = try infos.map { info in
            let field = "tensor '\(info.name)'"
            guard Tensor.elementCount(of: info.dimensions) != nil else {
                throw TensorFileError(path: path, field: "\(field) dimensions", message: "\(info.dimensions) hold more values than an Int can count")
            }
            guard info.offset <= UInt64(dataSize), info.offset % UInt64(alignment) == 0 else {
                throw TensorFileError(path: path, field: "\(field) offset",
                                      message: "is \(info.offset); expected a multiple of \(alignment) within the \(dataSize)-byte data section")
            }
            var byteCount: Int?
            if let type = GGMLType(rawValue: info.type) {
                guard info.dimensions[0] % type.blockSize == 0 else {
                    throw TensorFileError(path: path, field: "\(field) ne[0]",
                                          message: "is \(info.dimensions[0]); \(type) stores rows in blocks of \(type.blockSize)")
                }
                let count = info.dimensions.reduce(1, *)
                let (bytes, overflow) = (count / type.blockSize).multipliedReportingOverflow(by: type.blockBytes)
                guard !overflow, bytes <= dataSize - Int(info.offset) else {
                    throw TensorFileError(path: path, field: "\(field) data",
                                          message: "\(info.dimensions) of \(type) need \(overflow ? "more than Int.max" : "\(bytes)") bytes from offset \(info.offset), "
                                            + "but the data section has \(dataSize) (truncated file?)")
                }
                byteCount = bytes
            }
            return TensorInfo(name: info.name, dimensions: info.dimensions, typeCode: info.type, offset: Int(info.offset), byteCount: byteCount)
        }
        index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($0.element.name, $0.offset) })
    }

    private static func alignment(in metadata: [String: GGUFValue], path: String) throws -> Int {
        guard let value = metadata["general.alignment"] else { return 32 }
        guard let alignment = value.integer, alignment > 0, alignment <= 1 << 20, alignment & (alignment - 1) == 0 else {
            throw TensorFileError(path: path, field: "metadata 'general.alignment'", message: "is \(value); expected a power of two up to 2^20")
        }
        return alignment
    }

    public var tensorNames: [String] { tensors.map(\.name) }

    public func info(named name: String) throws -> TensorInfo {
        guard let position = index[name] else {
            let known = tensors.prefix(12).map(\.name).joined(separator: ", ")
            throw TensorFileError(path: path, field: "tensor", message: "no tensor named '\(name)'; the file holds: \(known)\(tensors.count > 12 ? ", ..." : "")")
        }
        return tensors[position]
    }

    /// Reads one tensor, dequantized to FP32, in row-major order (`TensorInfo.shape`).
    public func tensor(named name: String) throws -> Tensor {
        let info = try info(named: name)
        guard let type = info.type, let byteCount = info.byteCount else {
            throw TensorFileError(path: path, field: "tensor '\(name)' type",
                                  message: "ggml type \(info.typeCode) is not read; expected one of \(GGMLType.allCases.map(\.description).joined(separator: ", "))")
        }
        let start = dataStart + info.offset
        let raw = try reader.bytes(start..<(start + byteCount), field: "tensor '\(name)' data")
        let values = type.dequantize(raw, count: info.elementCount)
        do {
            return try Tensor(shape: info.shape, values: values)
        } catch {
            throw TensorFileError(path: path, field: "tensor '\(name)' dimensions", message: "\(error)")
        }
    }

    // MARK: Typed metadata look-ups

    public func string(_ key: String) throws -> String {
        guard let value = try required(key).string else { throw mistyped(key, "a string") }
        return value
    }

    public func integer(_ key: String) throws -> Int {
        guard let value = try required(key).integer else { throw mistyped(key, "an integer") }
        return value
    }

    public func float(_ key: String) throws -> Double {
        guard let value = try required(key).float else { throw mistyped(key, "a number") }
        return value
    }

    public func strings(_ key: String) throws -> [String] {
        guard case .array(let values) = try required(key), let strings = values.map(\.string) as? [String] else { throw mistyped(key, "an array of strings") }
        return strings
    }

    public func integers(_ key: String) throws -> [Int] {
        guard case .array(let values) = try required(key), let integers = values.map(\.integer) as? [Int] else { throw mistyped(key, "an array of integers") }
        return integers
    }

    private func required(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else { throw TensorFileError(path: path, field: "metadata '\(key)'", message: "missing") }
        return value
    }

    private func mistyped(_ key: String, _ expected: String) -> TensorFileError {
        TensorFileError(path: path, field: "metadata '\(key)'", message: "expected \(expected), got \(metadata[key].map { "\($0)" } ?? "nothing")")
    }
}

/// One metadata value. Every integer width is held as `Int64` (or `UInt64` when it does not fit).
public indirect enum GGUFValue: Equatable, CustomStringConvertible {
    case int(Int64)
    case uint(UInt64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    public var integer: Int? {
        switch self {
        case .int(let value): return Int(exactly: value)
        case .uint(let value): return Int(exactly: value)
        default: return nil
        }
    }

    public var float: Double? {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        case .uint(let value): return Double(value)
        default: return nil
        }
    }

    public var string: String? { if case .string(let value) = self { return value } else { return nil } }

    public var description: String {
        switch self {
        case .int(let value): return "\(value)"
        case .uint(let value): return "\(value)"
        case .float(let value): return "\(value)"
        case .bool(let value): return "\(value)"
        case .string(let value): return "'\(value.prefix(40))'"
        case .array(let values): return "an array of \(values.count)"
        }
    }
}

/// A sequential reader over a GGUF file's header, metadata and tensor table.
struct GGUFCursor {
    let reader: ByteReader
    var offset = 0

    var remaining: Int { reader.count - offset }

    mutating func bytes(_ count: Int, field: String) throws -> Data {
        let data = try reader.bytes(offset..<(offset + count), field: field)
        offset += count
        return data
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type, field: String) throws -> T {
        let value = try reader.littleEndian(type, at: offset, field: field)
        offset += MemoryLayout<T>.size
        return value
    }

    /// A 64-bit count of items each at least `minimumBytesEach` long: refused before anything is
    /// allocated when the rest of the file cannot hold that many.
    mutating func count(field: String, minimumBytesEach: Int) throws -> Int {
        let count = try integer(UInt64.self, field: field)
        guard count <= UInt64(remaining / max(minimumBytesEach, 1)) else {
            throw TensorFileError(path: reader.path, field: field,
                                  message: "is \(count) but the \(remaining) bytes left hold at most \(remaining / max(minimumBytesEach, 1)) (truncated or corrupt file)")
        }
        return Int(count)
    }

    mutating func string(field: String) throws -> String {
        let length = try count(field: "\(field) length", minimumBytesEach: 1)
        let raw = try bytes(length, field: field)
        guard let text = String(data: raw, encoding: .utf8) else {
            throw TensorFileError(path: reader.path, field: field, message: "is not valid UTF-8")
        }
        return text
    }

    /// Minimum encoded size of one value of a type, to bound array lengths by the file's size.
    static func minimumSize(of type: UInt32) -> Int {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8
        default: return 12
        }
    }

    mutating func value(type: UInt32, field: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .int(Int64(try integer(UInt8.self, field: field)))
        case 1: return .int(Int64(try integer(Int8.self, field: field)))
        case 2: return .int(Int64(try integer(UInt16.self, field: field)))
        case 3: return .int(Int64(try integer(Int16.self, field: field)))
        case 4: return .int(Int64(try integer(UInt32.self, field: field)))
        case 5: return .int(Int64(try integer(Int32.self, field: field)))
        case 6: return .float(Double(Float(bitPattern: try integer(UInt32.self, field: field))))
        case 7:
            let raw = try integer(UInt8.self, field: field)
            guard raw <= 1 else { throw TensorFileError(path: reader.path, field: field, message: "bool is \(raw); expected 0 or 1") }
            return .bool(raw == 1)
        case 8: return .string(try string(field: field))
        case 9:
            guard depth < GGUFFile.maximumArrayDepth else {
                throw TensorFileError(path: reader.path, field: field, message: "arrays nest deeper than \(GGUFFile.maximumArrayDepth) levels")
            }
            let elementType = try integer(UInt32.self, field: "\(field) array type")
            let count = try self.count(field: "\(field) array length", minimumBytesEach: GGUFCursor.minimumSize(of: elementType))
            var values = [GGUFValue]()
            values.reserveCapacity(count)
            for element in 0..<count {
                values.append(try value(type: elementType, field: "\(field)[\(element)]", depth: depth + 1))
            }
            return .array(values)
        case 10:
            let raw = try integer(UInt64.self, field: field)
            return raw <= UInt64(Int64.max) ? .int(Int64(raw)) : .uint(raw)
        case 11: return .int(try integer(Int64.self, field: field))
        case 12: return .float(Double(bitPattern: try integer(UInt64.self, field: field)))
        default:
            throw TensorFileError(path: reader.path, field: field, message: "value type \(type) is unknown; expected 0 to 12")
        }
    }
}

extension GGUFFile {
    /// One tensor to write: FP32 or FP16 values, or raw blocks of any `GGMLType` (`raw`, whose
    /// length must match the type and shape).
    public struct TensorToWrite {
        public let name: String
        /// Row-major shape, outermost axis first.
        public let shape: [Int]
        public let type: GGMLType
        public let bytes: Data

        public init(name: String, tensor: Tensor, type: GGMLType = .f32) {
            precondition(type == .f32 || type == .f16, "values are written as F32 or F16; pass raw blocks for other types")
            var bytes = Data(capacity: tensor.count * type.blockBytes)
            for value in tensor.values {
                if type == .f32 {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                } else {
                    withUnsafeBytes(of: MiniFloat.fp16.encode(value).littleEndian) { bytes.append(contentsOf: $0) }
                }
            }
            self.init(name: name, shape: tensor.shape, type: type, raw: bytes)
        }

        public init(name: String, shape: [Int], type: GGMLType, raw: Data) {
            (self.name, self.shape, self.type, self.bytes) = (name, shape, type, raw)
        }
    }

    /// Writes a version-3 GGUF file (metadata in key order, tensors in the given order, 32-byte
    /// alignment unless `general.alignment` says otherwise).
    public static func write(metadata: [String: GGUFValue], tensors: [TensorToWrite], to path: String) throws {
        var file = Data("GGUF".utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { file.append(contentsOf: $0) } }
        func append(string: String) { append(UInt64(string.utf8.count)); file.append(contentsOf: Array(string.utf8)) }
        func typeCode(_ value: GGUFValue) -> UInt32 {
            switch value {
            case .int: return 11
            case .uint: return 10
            case .float: return 12
            case .bool: return 7
            case .string: return 8
            case .array: return 9
            }
        }
        func append(value: GGUFValue) {
            switch value {
            case .int(let number): append(number)
            case .uint(let number): append(number)
            case .float(let number): append(number.bitPattern)
            case .bool(let flag): append(UInt8(flag ? 1 : 0))
            case .string(let text): append(string: text)
            case .array(let values):
                append(values.first.map(typeCode) ?? 11)
                append(UInt64(values.count))
                for element in values { append(value: element) }
            }
        }
        append(UInt32(3))
        append(UInt64(tensors.count))
        append(UInt64(metadata.count))
        for key in metadata.keys.sorted() {
            append(string: key)
            append(typeCode(metadata[key]!))
            append(value: metadata[key]!)
        }
        let alignment = metadata["general.alignment"]?.integer ?? 32
        var offset = 0
        var offsets = [Int]()
        for tensor in tensors {
            offsets.append(offset)
            offset += (tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        for (tensor, offset) in zip(tensors, offsets) {
            append(string: tensor.name)
            append(UInt32(tensor.shape.count))
            for size in tensor.shape.reversed() { append(UInt64(size)) }
            append(tensor.type.rawValue)
            append(UInt64(offset))
        }
        while file.count % alignment != 0 { file.append(0) }
        for tensor in tensors {
            file.append(tensor.bytes)
            while (file.count) % alignment != 0 { file.append(0) }
        }
        try OutputFile.write(file, to: path)
    }
}
