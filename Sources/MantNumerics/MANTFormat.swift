/// M-ANT, the mathematically adaptive numeric type (Hu et al., HPCA 2025, arXiv 2502.18755).
///
/// A b-bit code (b = 3 or 4) is a sign s and a magnitude index i in 0..<2^(b-1). Each group of G
/// values along the reduction axis shares an FP16 scale S and a 4-bit selector choosing the
/// coefficient a of the grid g_a(i) = a*i + 2^i; the value is (-1)^s * S * g_a(i).
///
/// Selectors 0...14 pick a from `coefficients` (the candidate list of the UniCore artifact's MANT4
/// table); selector 15 is the linear grid g(i) = i, INT sign-magnitude on the same datapath.
/// Per group: S = fp16(absmax / g(max i)) for each candidate, the candidate with the lowest squared
/// error (`SignMagnitude.squaredError`) wins, ties to the lowest selector. An all-zero group gets
/// S = 0 and selector 0; every value then decodes to exactly 0.
public struct MANTFormat: QuantizationFormat {
    public var groupMetadataBits: Int { 16 + MANTFormat.selectorBits }

    public static let coefficients: [Int] = [0, 5, 10, 17, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]
    public static let linearSelector = 15
    public static let selectorCount = 16
    public static let selectorBits = 4

    public let bits: Int
    public let granularity: Granularity
    /// One grid per selector, in selector order.
    public let grids: [MagnitudeGrid]

    public init(bits: Int = 4, granularity: Granularity = .group(64)) throws {
        guard bits == 3 || bits == 4 else {
            throw QuantizationError.invalidParameter(field: "bits", message: "M-ANT supports 3 or 4 bits, got \(bits)")
        }
        try granularity.validate()
        self.bits = bits
        self.granularity = granularity
        grids = (0..<MANTFormat.selectorCount).map { MANTFormat.grid(selector: $0, bits: bits) }
    }

    public var descriptor: FormatDescriptor { FormatDescriptor(kind: .mant, bits: bits, granularity: granularity) }
    var magnitudeBits: Int { bits - 1 }

    /// g_a(i) for every magnitude index; exact small integers in binary32.
    public static func grid(selector: Int, bits: Int) -> MagnitudeGrid {
        let indices = 0..<(1 << (bits - 1))
        if selector == linearSelector { return MagnitudeGrid(levels: indices.map { Float($0) }) }
        let a = coefficients[selector]
        return MagnitudeGrid(levels: indices.map { Float(a * $0 + (1 << $0)) })
    }

    /// The a of a selector, or nil for the linear selector.
    public static func coefficient(selector: Int) -> Int? {
        selector == linearSelector ? nil : coefficients[selector]
    }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let layout = GroupLayout(shape: tensor.shape, granularity: granularity)
        let (codes, metadata) = Groupwise.quantize(tensor, layout: layout, fields: 2) { values, codes, metadata in
            let choice = choose(values)
            metadata[0] = UInt32(choice.scaleCode)
            metadata[1] = UInt32(choice.selector)
            SignMagnitude.encode(values, grid: grids[choice.selector], scale: MiniFloat.fp16.decode(choice.scaleCode),
                                 magnitudeBits: magnitudeBits, into: codes)
        }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: bits, values: codes),
                               metadata: [BitField(name: "scale", bitWidth: 16, values: metadata[0]),
                                          BitField(name: "selector", bitWidth: MANTFormat.selectorBits, values: metadata[1])])
    }

    /// The selector and FP16 scale code chosen for one group, with the error that won.
    /// Candidates that cannot beat the best so far stop early (`SignMagnitude.squaredError`).
    public func choose(_ values: UnsafeBufferPointer<Float>) -> (selector: Int, scaleCode: UInt16, error: Float) {
        let absmax = SignMagnitude.absoluteMaximum(values)
        var best = (selector: 0, scaleCode: UInt16(0), error: Float.infinity)
        for selector in 0..<MANTFormat.selectorCount {
            let grid = grids[selector]
            let scaleCode = MiniFloat.fp16Saturating.encode(absmax / grid.maximum)
            let error = SignMagnitude.squaredError(values, grid: grid, scale: MiniFloat.fp16.decode(scaleCode),
                                                   stopAt: best.error)
            if error < best.error { best = (selector, scaleCode, error) }
        }
        return best
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        let layout = GroupLayout(shape: quantized.shape, granularity: granularity)
        try quantized.expect(codes: quantized.elementCount, width: bits,
                             fields: [("scale", layout.groupCount, 16), ("selector", layout.groupCount, MANTFormat.selectorBits)])
        let scales = try quantized.field("scale").values
        let selectors = try quantized.field("selector").values
        var values = [Float](repeating: 0, count: quantized.elementCount)
        for group in 0..<layout.groupCount {
            let scale = MiniFloat.fp16.decode(UInt16(scales[group]))
            let grid = grids[Int(selectors[group])]
            for index in layout.range(of: group) {
                values[index] = SignMagnitude.value(of: quantized.codes.values[index], grid: grid, scale: scale,
                                                    magnitudeBits: magnitudeBits)
            }
        }
        return try Tensor(shape: quantized.shape, values: values)
    }

    /// How many groups chose each selector.
    public static func selectorHistogram(_ quantized: QuantizedTensor) throws -> [Int] {
        var histogram = [Int](repeating: 0, count: selectorCount)
        for selector in try quantized.field("selector").values { histogram[Int(selector)] += 1 }
        return histogram
    }
}

extension MANTFormat: IntegerArrayFormat {
    /// The coefficients a of selectors 0...14, which the array's SAC rows combine a*M + H with.
    public var decodeTable: [Int16] { MANTFormat.coefficients.map { Int16($0) } }

    /// Sign and magnitude level on the group's selected grid (+-(a*i + 2^i), or +-i when linear);
    /// the group's FP16 scale.
    public func arrayGroup(_ tensor: QuantizedTensor, group: Int, range: Range<Int>, into values: inout [Int32]) throws -> Float {
        let bits = descriptor.bits
        let grid = MANTFormat.grid(selector: Int(try tensor.field("selector").values[group]), bits: bits)
        let magnitudeBits = UInt32(bits - 1)
        for index in range {
            let code = tensor.codes.values[index]
            let level = Int32(grid.levels[Int(code & ((1 << magnitudeBits) - 1))])
            values[index] = code >> magnitudeBits & 1 == 1 ? -level : level
        }
        return MiniFloat.fp16.decode(UInt16(try tensor.field("scale").values[group]))
    }
}
