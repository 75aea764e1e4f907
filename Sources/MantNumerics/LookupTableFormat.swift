/// Lookup-table weights as FLUTE runs them (Guo et al., EMNLP 2024 Findings, arXiv 2407.10960):
/// W = table[q] * s, a table of 2^b FP16 values per tensor and an FP16 scale s per group.
///
/// s = fp16(absmax of the group); q is the table entry nearest to x * (1/s) in binary32, ties to
/// the lowest index (any order of table entries works, so learned tables need no sorting);
/// value = table[q] * s in binary32. Table entries are rounded to FP16 when the format is built.
public struct LookupTableFormat: QuantizationFormat {
    public var groupMetadataBits: Int { 16 }

    public let bits: Int
    public let tableName: String
    /// The table as given; `entries` is what the hardware stores (FP16-rounded).
    public let table: [Float]
    public let entries: [Float]
    public let granularity: Granularity

    public init(table: [Float], name: String, granularity: Granularity = .group(64)) throws {
        let bits = table.count.trailingZeroBitCount
        guard table.count >= 2, table.count == 1 << bits, bits <= 8 else {
            throw QuantizationError.invalidParameter(
                field: "table", message: "a lookup table needs 2^b entries with b in 1...8, got \(table.count)")
        }
        if let bad = table.firstIndex(where: { !$0.isFinite }) {
            throw QuantizationError.invalidParameter(field: "table[\(bad)]", message: "entries must be finite, got \(table[bad])")
        }
        try granularity.validate()
        self.bits = bits
        self.tableName = name
        self.table = table
        self.entries = table.map { MiniFloat.fp16.round($0) }
        self.granularity = granularity
    }

    /// NormalFloat tables as FLUTE tabulates them (flute/nf_utils.py).
    public static let nf4: [Float] = [-1, -0.6961928, -0.5250731, -0.3949175, -0.2844414, -0.1847734, -0.0910500, 0,
                                      0.0795803, 0.1609302, 0.2461123, 0.3379152, 0.4407098, 0.5626170, 0.7229568, 1]
    public static let nf3: [Float] = [-1, -0.478629, -0.217142, 0, 0.160930, 0.337915, 0.562617, 1]
    public static let nf2: [Float] = [-1, 0, 0.337915, 1]

    public static func normalFloat(bits: Int, granularity: Granularity = .group(64)) throws -> LookupTableFormat {
        switch bits {
        case 2: return try LookupTableFormat(table: nf2, name: "nf2", granularity: granularity)
        case 3: return try LookupTableFormat(table: nf3, name: "nf3", granularity: granularity)
        case 4: return try LookupTableFormat(table: nf4, name: "nf4", granularity: granularity)
        default: throw QuantizationError.invalidParameter(field: "bits", message: "NormalFloat tables exist for 2, 3 and 4 bits, got \(bits)")
        }
    }

    public var descriptor: FormatDescriptor {
        FormatDescriptor(kind: .lut, bits: bits, granularity: granularity, tableName: tableName, table: table)
    }

    @inline(__always)
    func nearestEntry(_ t: Float) -> Int {
        var best = 0
        var bestDistance = (t - entries[0]).magnitude
        for index in 1..<entries.count {
            let distance = (t - entries[index]).magnitude
            if distance < bestDistance { best = index; bestDistance = distance }
        }
        return best
    }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let layout = GroupLayout(shape: tensor.shape, granularity: granularity)
        let (codes, metadata) = Groupwise.quantize(tensor, layout: layout, fields: 1) { values, codes, metadata in
            let scaleCode = MiniFloat.fp16Saturating.encode(SignMagnitude.absoluteMaximum(values))
            metadata[0] = UInt32(scaleCode)
            let reciprocal = SignMagnitude.reciprocal(of: MiniFloat.fp16.decode(scaleCode))
            for (offset, value) in values.enumerated() { codes[offset] = UInt32(nearestEntry(value * reciprocal)) }
        }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: bits, values: codes),
                               metadata: [BitField(name: "scale", bitWidth: 16, values: metadata[0])])
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        let layout = GroupLayout(shape: quantized.shape, granularity: granularity)
        try quantized.expect(codes: quantized.elementCount, width: bits, fields: [("scale", layout.groupCount, 16)])
        let scales = try quantized.field("scale").values
        var values = [Float](repeating: 0, count: quantized.elementCount)
        for group in 0..<layout.groupCount {
            let scale = MiniFloat.fp16.decode(UInt16(scales[group]))
            for index in layout.range(of: group) {
                values[index] = entries[Int(quantized.codes.values[index])] * scale
            }
        }
        return try Tensor(shape: quantized.shape, values: values)
    }
}
