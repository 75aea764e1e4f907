/// OliVe, outlier-victim pair quantization (Guo et al., ISCA 2023; clevercool/ANT-Quantization,
/// olive_quantization/antquant/quant_modules.py).
///
/// Values are taken in pairs (2j, 2j+1) from the start of each channel or group. In units of the
/// scale S, normal values are int4 (0...7 with a sign); outliers use the 4-bit "abfloat" code
/// (E2M1-like with exponent base 2^3, the smallest value skipped) for magnitudes
/// 12, 16, 24, 32, 48, 64, 96 — OliVe's 48...384 on its grid where normal values step by 4.
/// Each value is rounded to the nearest level of the union of both grids (ties to the smaller);
/// a pair holding an outlier keeps it as abfloat and zeroes its partner (the victim), whose code
/// 0b1000 (int4's unused -8) marks the pair. When both are outliers the larger magnitude is kept
/// (ties: the first). A value without a partner (odd-length group) is clamped to the int4 range.
///
/// Scale: S = fp16(x_max / 7) with x_max = max(|mean + 3 sigma|, |mean - 3 sigma|) over the
/// group (sample standard deviation, binary64), OliVe's outlier threshold without its clipping
/// search.
public struct OliVeFormat: QuantizationFormat {
    public var groupMetadataBits: Int { 16 }

    public static let victimCode: UInt32 = 0b1000
    static let normalLevels = 8
    public static let unionGrid = MagnitudeGrid(levels: [0, 1, 2, 3, 4, 5, 6, 7, 12, 16, 24, 32, 48, 64, 96])

    public let granularity: Granularity

    public init(granularity: Granularity = .channel) throws {
        try granularity.validate()
        self.granularity = granularity
    }

    public var descriptor: FormatDescriptor { FormatDescriptor(kind: .olive, bits: 4, granularity: granularity) }

    static func threshold(_ values: UnsafeBufferPointer<Float>) -> Float {
        let count = Double(values.count)
        var sum = 0.0
        for value in values { sum += Double(value) }
        let mean = sum / count
        var squares = 0.0
        for value in values { squares += (Double(value) - mean) * (Double(value) - mean) }
        let sigma = values.count > 1 ? (squares / (count - 1)).squareRoot() : 0
        return Float(max((mean + 3 * sigma).magnitude, (mean - 3 * sigma).magnitude))
    }

    @inline(__always)
    static func normalCode(index: Int, negative: Bool) -> UInt32 {
        UInt32(bitPattern: Int32(negative ? -index : index)) & 0xF
    }

    @inline(__always)
    static func outlierCode(index: Int, negative: Bool) -> UInt32 {
        (negative ? 0b1000 : 0) | UInt32(index - (normalLevels - 1))
    }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let layout = GroupLayout(shape: tensor.shape, granularity: granularity)
        let grid = OliVeFormat.unionGrid
        let (codes, metadata) = Groupwise.quantize(tensor, layout: layout, fields: 1) { values, codes, metadata in
            let scaleCode = MiniFloat.fp16Saturating.encode(OliVeFormat.threshold(values) / 7)
            metadata[0] = UInt32(scaleCode)
            let reciprocal = SignMagnitude.reciprocal(of: MiniFloat.fp16.decode(scaleCode))
            var first = 0
            while first < values.count {
                let a = values[first]
                let indexA = grid.index(of: a.magnitude * reciprocal)
                guard first + 1 < values.count else {
                    codes[first] = OliVeFormat.normalCode(index: min(indexA, OliVeFormat.normalLevels - 1), negative: a < 0)
                    break
                }
                let b = values[first + 1]
                let indexB = grid.index(of: b.magnitude * reciprocal)
                let outlierA = indexA >= OliVeFormat.normalLevels
                let outlierB = indexB >= OliVeFormat.normalLevels
                if !outlierA && !outlierB {
                    codes[first] = OliVeFormat.normalCode(index: indexA, negative: a < 0)
                    codes[first + 1] = OliVeFormat.normalCode(index: indexB, negative: b < 0)
                } else if outlierA && (!outlierB || a.magnitude >= b.magnitude) {
                    codes[first] = OliVeFormat.outlierCode(index: indexA, negative: a < 0)
                    codes[first + 1] = OliVeFormat.victimCode
                } else {
                    codes[first] = OliVeFormat.victimCode
                    codes[first + 1] = OliVeFormat.outlierCode(index: indexB, negative: b < 0)
                }
                first += 2
            }
        }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: 4, values: codes),
                               metadata: [BitField(name: "scale", bitWidth: 16, values: metadata[0])])
    }

    /// Value of an int4 code in units of the scale.
    @inline(__always)
    public static func normalValue(_ code: UInt32) -> Float {
        Float(Int32(bitPattern: code << 28) >> 28)
    }

    @inline(__always)
    public static func outlierValue(_ code: UInt32) -> Float {
        // Abfloat magnitudes 1...7 are the outlier levels 12...96; magnitude 0 is zero (the quantizer
        // never writes it; the PEs read it so).
        let index = Int(code & 0b111)
        let magnitude = index == 0 ? 0 : unionGrid.levels[normalLevels - 1 + index]
        return code & 0b1000 != 0 ? -magnitude : magnitude
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        let layout = GroupLayout(shape: quantized.shape, granularity: granularity)
        try quantized.expect(codes: quantized.elementCount, width: 4, fields: [("scale", layout.groupCount, 16)])
        let scales = try quantized.field("scale").values
        let codes = quantized.codes.values
        var values = [Float](repeating: 0, count: quantized.elementCount)
        for group in 0..<layout.groupCount {
            let scale = MiniFloat.fp16.decode(UInt16(scales[group]))
            let range = layout.range(of: group)
            var first = range.lowerBound
            while first < range.upperBound {
                guard first + 1 < range.upperBound else {
                    values[first] = OliVeFormat.normalValue(codes[first]) * scale
                    break
                }
                let (a, b) = (codes[first], codes[first + 1])
                if a == OliVeFormat.victimCode, b == OliVeFormat.victimCode {
                    throw QuantizationError.malformedQuantizedTensor("OliVe pair at \(first) has two victim codes")
                }
                if a == OliVeFormat.victimCode {
                    values[first + 1] = OliVeFormat.outlierValue(b) * scale
                } else if b == OliVeFormat.victimCode {
                    values[first] = OliVeFormat.outlierValue(a) * scale
                } else {
                    values[first] = OliVeFormat.normalValue(a) * scale
                    values[first + 1] = OliVeFormat.normalValue(b) * scale
                }
                first += 2
            }
        }
        return try Tensor(shape: quantized.shape, values: values)
    }
}

extension OliVeFormat: IntegerArrayFormat {
    /// Pairs in int4 units: a victim's partner is an outlier, otherwise both are normal values
    /// (a group's odd last weight is normal); the group's FP16 scale.
    /// The eight outlier magnitudes in int4 units, by the low three bits of an abfloat code (as
    /// `outlierValue` reads them).
    public var decodeTable: [Int16] { (0..<8).map { Int16(OliVeFormat.outlierValue(UInt32($0))) } }

    public func arrayGroup(_ tensor: QuantizedTensor, group: Int, range: Range<Int>, into values: inout [Int32]) throws -> Float {
        let codes = tensor.codes.values
        var first = range.lowerBound
        while first < range.upperBound {
            if first + 1 == range.upperBound {
                values[first] = Int32(OliVeFormat.normalValue(codes[first]))
                break
            }
            let (a, b) = (codes[first], codes[first + 1])
            if a == OliVeFormat.victimCode {
                values[first + 1] = Int32(OliVeFormat.outlierValue(b))
            } else if b == OliVeFormat.victimCode {
                values[first] = Int32(OliVeFormat.outlierValue(a))
            } else {
                values[first] = Int32(OliVeFormat.normalValue(a))
                values[first + 1] = Int32(OliVeFormat.normalValue(b))
            }
            first += 2
        }
        return MiniFloat.fp16.decode(UInt16(try tensor.field("scale").values[group]))
    }
}
