/// ANT, the adaptive numeric type (Guo et al., MICRO 2022; clevercool/ANT-Quantization): each
/// channel or group picks, by lowest squared error, one of four 4-bit sign-magnitude types, with
/// magnitudes as that repository's grid builders produce them (normalised by their maximum):
///
/// | type  | magnitudes                        |
/// |-------|-----------------------------------|
/// | int   | 0 1 2 3 4 5 6 7                   |
/// | flint | 0 .25 .5 .75 1 1.5 2 4            |
/// | pot   | 0 1 2 4 8 16 32 64                |
/// | float | 0 .5 1 1.5 2 3 4 6 (E2M1)         |
///
/// Differences from the original, chosen so that all types share one sign-magnitude datapath:
/// int4 drops the -8 code, and the scale is S = fp16(absmax / max magnitude) rather than a
/// clipping search. Metadata: an FP16 scale and a 2-bit type per channel or group; ties between
/// types go to the earlier type in the table.
public struct ANTFormat: QuantizationFormat {
    public var groupMetadataBits: Int { 16 + ANTFormat.typeBits }

    public enum NumericType: Int, CaseIterable, Sendable {
        case int, flint, pot, float

        public var grid: MagnitudeGrid {
            switch self {
            case .int: return MagnitudeGrid(levels: [0, 1, 2, 3, 4, 5, 6, 7])
            case .flint: return MagnitudeGrid(levels: [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 4])
            case .pot: return MagnitudeGrid(levels: [0, 1, 2, 4, 8, 16, 32, 64])
            case .float: return MagnitudeGrid(levels: [0, 0.5, 1, 1.5, 2, 3, 4, 6])
            }
        }
    }

    public static let magnitudeBits = 3
    public static let typeBits = 2
    public let granularity: Granularity
    private let grids = NumericType.allCases.map(\.grid)

    public init(granularity: Granularity = .channel) throws {
        try granularity.validate()
        self.granularity = granularity
    }

    public var descriptor: FormatDescriptor { FormatDescriptor(kind: .ant, bits: 4, granularity: granularity) }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let layout = GroupLayout(shape: tensor.shape, granularity: granularity)
        let (codes, metadata) = Groupwise.quantize(tensor, layout: layout, fields: 2) { values, codes, metadata in
            let absmax = SignMagnitude.absoluteMaximum(values)
            var best = (type: 0, scaleCode: UInt16(0), error: Float.infinity)
            for (type, grid) in grids.enumerated() {
                let scaleCode = MiniFloat.fp16Saturating.encode(absmax / grid.maximum)
                let error = SignMagnitude.squaredError(values, grid: grid, scale: MiniFloat.fp16.decode(scaleCode), stopAt: best.error)
                if error < best.error { best = (type, scaleCode, error) }
            }
            metadata[0] = UInt32(best.scaleCode)
            metadata[1] = UInt32(best.type)
            SignMagnitude.encode(values, grid: grids[best.type], scale: MiniFloat.fp16.decode(best.scaleCode),
                                 magnitudeBits: ANTFormat.magnitudeBits, into: codes)
        }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: 4, values: codes),
                               metadata: [BitField(name: "scale", bitWidth: 16, values: metadata[0]),
                                          BitField(name: "type", bitWidth: ANTFormat.typeBits, values: metadata[1])])
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        let layout = GroupLayout(shape: quantized.shape, granularity: granularity)
        try quantized.expect(codes: quantized.elementCount, width: 4,
                             fields: [("scale", layout.groupCount, 16), ("type", layout.groupCount, ANTFormat.typeBits)])
        let scales = try quantized.field("scale").values
        let types = try quantized.field("type").values
        var values = [Float](repeating: 0, count: quantized.elementCount)
        for group in 0..<layout.groupCount {
            let scale = MiniFloat.fp16.decode(UInt16(scales[group]))
            let grid = grids[Int(types[group])]
            for index in layout.range(of: group) {
                values[index] = SignMagnitude.value(of: quantized.codes.values[index], grid: grid, scale: scale,
                                                    magnitudeBits: ANTFormat.magnitudeBits)
            }
        }
        return try Tensor(shape: quantized.shape, values: values)
    }
}

extension ANTFormat: IntegerArrayFormat {
    /// The group's type grid in units of its smallest positive level (1, 1/4, 1 or 1/2), which the
    /// scale takes back.
    /// Each type's eight magnitudes in units of its smallest level (as `arrayGroup` gives them),
    /// then each type's unit as a power of two, 2^-shift: 4 x 8 + 4 entries.
    public var decodeTable: [Int16] {
        let units = NumericType.allCases.map { $0.grid.levels.filter { $0 > 0 }.min()! }
        let magnitudes = zip(NumericType.allCases, units).flatMap { type, unit in type.grid.levels.map { Int16($0 / unit) } }
        return magnitudes + units.map { Int16(-$0.exponent) }
    }

    public func arrayGroup(_ tensor: QuantizedTensor, group: Int, range: Range<Int>, into values: inout [Int32]) throws -> Float {
        let type = NumericType(rawValue: Int(try tensor.field("type").values[group]))!
        let unit = type.grid.levels.filter { $0 > 0 }.min()!
        for index in range {
            let code = tensor.codes.values[index]
            let level = Int32(type.grid.levels[Int(code & 7)] / unit)
            values[index] = code & 8 != 0 ? -level : level
        }
        return MiniFloat.fp16.decode(UInt16(try tensor.field("scale").values[group])) * unit
    }
}
