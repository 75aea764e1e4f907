/// A tensor in a quantized format: the format that made it, the original shape, the codes and
/// every piece of metadata needed to decode it, each a `BitField` so that storage and the true
/// bits per weight follow from one description.
public struct QuantizedTensor: Equatable, Sendable {
    public var format: FormatDescriptor
    public var shape: [Int]
    public var codes: BitField
    public var metadata: [BitField]

    public init(format: FormatDescriptor, shape: [Int], codes: BitField, metadata: [BitField]) {
        self.format = format
        self.shape = shape
        self.codes = codes
        self.metadata = metadata
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// Every stored bit, codes and metadata alike, per element of the original tensor.
    public var bitsPerWeight: Double {
        let total = codes.bitCount + metadata.reduce(0) { $0 + $1.bitCount }
        return Double(total) / Double(elementCount)
    }

    public func field(_ name: String) throws -> BitField {
        guard let field = metadata.first(where: { $0.name == name }) else {
            throw QuantizationError.malformedQuantizedTensor("\(format.name) tensor lacks metadata field '\(name)'")
        }
        return field
    }

    /// Checks the field widths and counts against what the format needs for this shape.
    func expect(codes count: Int, width: Int, fields: [(String, Int, Int)]) throws {
        try codes.validate()
        guard codes.values.count == count, codes.bitWidth == width else {
            throw QuantizationError.malformedQuantizedTensor(
                "\(format.name) codes: expected \(count) x \(width) bits, found \(codes.values.count) x \(codes.bitWidth)")
        }
        for (name, entries, bits) in fields {
            let stored = try field(name)
            try stored.validate()
            guard stored.values.count == entries, stored.bitWidth == bits else {
                throw QuantizationError.malformedQuantizedTensor(
                    "\(format.name) field '\(name)': expected \(entries) x \(bits) bits, found \(stored.values.count) x \(stored.bitWidth)")
            }
        }
    }
}

extension QuantizedTensor {
    /// FNV-1a (64-bit) over every field's packed bytes, in storage order: a short fingerprint that
    /// changes when any code or metadata bit does.
    public var digest: String {
        var hash = FNV1a()
        for field in [codes] + metadata { hash.add(Array(field.name.utf8) + [0] + BitPacking.pack(field)) }
        return String(hash.value, radix: 16).leftPadded(to: 16)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
