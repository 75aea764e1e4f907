/// One stream of fixed-width unsigned integers: the codes of a quantized tensor, or one kind of
/// its metadata (scales, selectors, zero points, codebook entries).
public struct BitField: Equatable, Sendable {
    public var name: String
    public var bitWidth: Int
    public var values: [UInt32]

    public init(name: String, bitWidth: Int, values: [UInt32]) {
        precondition((1...32).contains(bitWidth), "bit width \(bitWidth) out of 1...32")
        self.name = name
        self.bitWidth = bitWidth
        self.values = values
    }

    public var bitCount: Int { bitWidth * values.count }

    /// Checks every value fits the width; a stream read from a file must pass this first.
    public func validate() throws {
        guard bitWidth < 32 else { return }
        let limit = UInt32(1) << UInt32(bitWidth)
        if let bad = values.firstIndex(where: { $0 >= limit }) {
            throw QuantizationError.malformedQuantizedTensor(
                "field '\(name)' entry \(bad) is \(values[bad]), wider than \(bitWidth) bits")
        }
    }
}

/// Bit packing: values LSB-first into a little-endian byte stream, each `bitWidth` bits wide and
/// straddling byte boundaries where they must (3-bit codes pack 8 to 3 bytes).
public enum BitPacking {
    public static func byteCount(count: Int, bitWidth: Int) -> Int { (count * bitWidth + 7) / 8 }

    public static func pack(_ field: BitField) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: byteCount(count: field.values.count, bitWidth: field.bitWidth))
        let width = field.bitWidth
        let mask: UInt64 = width == 32 ? 0xFFFF_FFFF : (UInt64(1) << UInt64(width)) - 1
        var bitPosition = 0
        for value in field.values {
            var chunk = UInt64(value) & mask
            var byteIndex = bitPosition >> 3
            var offset = bitPosition & 7
            var remaining = width
            while remaining > 0 {
                bytes[byteIndex] |= UInt8(truncatingIfNeeded: chunk << UInt64(offset))
                let written = min(8 - offset, remaining)
                chunk >>= UInt64(written)
                remaining -= written
                offset = 0
                byteIndex += 1
            }
            bitPosition += width
        }
        return bytes
    }

    public static func unpack(_ bytes: [UInt8], name: String, bitWidth: Int, count: Int) throws -> BitField {
        let needed = byteCount(count: count, bitWidth: bitWidth)
        guard bytes.count == needed else {
            throw QuantizationError.malformedQuantizedTensor(
                "field '\(name)' holds \(bytes.count) bytes; \(count) values of \(bitWidth) bits need \(needed)")
        }
        var values = [UInt32](repeating: 0, count: count)
        var bitPosition = 0
        for index in 0..<count {
            var value: UInt64 = 0
            var gathered = 0
            while gathered < bitWidth {
                let byteIndex = (bitPosition + gathered) >> 3
                let offset = (bitPosition + gathered) & 7
                let take = min(8 - offset, bitWidth - gathered)
                let bits = (UInt64(bytes[byteIndex]) >> UInt64(offset)) & ((UInt64(1) << UInt64(take)) - 1)
                value |= bits << UInt64(gathered)
                gathered += take
            }
            values[index] = UInt32(value)
            bitPosition += bitWidth
        }
        return BitField(name: name, bitWidth: bitWidth, values: values)
    }
}
