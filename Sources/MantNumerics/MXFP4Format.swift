/// MXFP4 (OCP Microscaling Formats v1.0): blocks of 32 values along the reduction axis share an
/// E8M0 scale X = 2^e; elements are FP4 E2M1 (0, 0.5, 1, 1.5, 2, 3, 4, 6 with a sign).
///
/// As the spec's conversion recipe says: e = floor(log2(absmax)) - 2 (2 is E2M1's largest
/// exponent), clamped to the E8M0 range [-127, 127]; each element is x / X rounded to E2M1, nearest
/// with ties to even, saturating at 6. An all-zero block gets e = -127. value = element * X.
public struct MXFP4Format: QuantizationFormat {
    /// One E8M0 exponent per block.
    public var groupMetadataBits: Int { 8 }

    public static let blockSize = 32
    static let elementMaxExponent = 2
    public init() {}

    public var descriptor: FormatDescriptor {
        FormatDescriptor(kind: .mxfp4, bits: 4, granularity: .group(MXFP4Format.blockSize))
    }

    static func sharedExponent(absmax: Float) -> Int {
        guard absmax > 0 else { return -127 }
        return min(max(Int(absmax.exponent) - elementMaxExponent, -127), 127)
    }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let layout = GroupLayout(shape: tensor.shape, granularity: descriptor.granularity)
        let (codes, metadata) = Groupwise.quantize(tensor, layout: layout, fields: 1) { values, codes, metadata in
            let exponent = MXFP4Format.sharedExponent(absmax: SignMagnitude.absoluteMaximum(values))
            metadata[0] = UInt32(exponent + 127)
            for (offset, value) in values.enumerated() {
                // Scaling by a power of two is exact in binary64 for every input.
                let scaled = Double(value) * Double(sign: .plus, exponent: -exponent, significand: 1)
                codes[offset] = UInt32(MiniFloat.e2m1.encode(Float(scaled)))
            }
        }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: 4, values: codes),
                               metadata: [BitField(name: "scale", bitWidth: 8, values: metadata[0])])
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        let layout = GroupLayout(shape: quantized.shape, granularity: descriptor.granularity)
        try quantized.expect(codes: quantized.elementCount, width: 4, fields: [("scale", layout.groupCount, 8)])
        let scales = try quantized.field("scale").values
        var values = [Float](repeating: 0, count: quantized.elementCount)
        for group in 0..<layout.groupCount {
            guard scales[group] != 255 else {
                throw QuantizationError.malformedQuantizedTensor("MXFP4 block \(group) has the NaN scale 0xFF")
            }
            let exponent = Int(scales[group]) - 127
            for index in layout.range(of: group) {
                let element = Double(MiniFloat.e2m1.decode(UInt16(quantized.codes.values[index])))
                values[index] = Float(element * Double(sign: .plus, exponent: exponent, significand: 1))
            }
        }
        return try Tensor(shape: quantized.shape, values: values)
    }
}

extension MXFP4Format: IntegerArrayFormat {
    /// Twice each E2M1 value (an integer up to 12); the block's E8M0 scale halved for the doubling,
    /// 2^(e-128).
    /// Twice each E2M1 magnitude (as `arrayGroup` gives them), by the low three bits of a code.
    public var decodeTable: [Int16] { (0..<8).map { Int16(MiniFloat.e2m1.decode(UInt16($0)) * 2) } }

    public func arrayGroup(_ tensor: QuantizedTensor, group: Int, range: Range<Int>, into values: inout [Int32]) throws -> Float {
        for index in range { values[index] = Int32(MiniFloat.e2m1.decode(UInt16(tensor.codes.values[index])) * 2) }
        return Float(sign: .plus, exponent: Int(try tensor.field("scale").values[group]) - 128, significand: 1)
    }
}

extension MiniFloat {
    /// OCP MX's E2M1 element: 2 exponent bits, 1 mantissa bit, no infinity or NaN, saturating.
    public static let e2m1 = MiniFloat(exponentBits: 2, mantissaBits: 1, specials: .none, overflow: .saturate)
}
