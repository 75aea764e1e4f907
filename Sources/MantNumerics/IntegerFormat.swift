/// Uniform integer quantization, b = 2...8 or 16 bits (INT16 runs on integer arrays in digit
/// passes: DigitPasses).
///
/// Symmetric: q in [-(2^(b-1)-1), 2^(b-1)-1], S = fp16(absmax / qmax), q = clamp(rne(x * (1/S))),
/// stored as b-bit two's complement; value = q * S.
/// Asymmetric: the range [min(min x, 0), max(max x, 0)] maps onto q in [0, 2^b - 1];
/// S = fp16((hi - lo) / (2^b - 1)), zero point z = clamp(rne(-lo * (1/S))) stored in b bits,
/// q = clamp(rne(x * (1/S)) + z); value = (q - z) * S.
/// All arithmetic is binary32; rne is round to nearest, ties to even. A zero scale gives q = 0.
public struct IntegerFormat: QuantizationFormat {
    public var groupMetadataBits: Int { 16 + (symmetric ? 0 : bits) }

    public let bits: Int
    public let symmetric: Bool
    public let granularity: Granularity

    public init(bits: Int, symmetric: Bool = true, granularity: Granularity = .group(64)) throws {
        guard (2...8).contains(bits) || bits == 16 else {
            throw QuantizationError.invalidParameter(field: "bits", message: "INT supports 2...8 or 16 bits, got \(bits)")
        }
        try granularity.validate()
        self.bits = bits
        self.symmetric = symmetric
        self.granularity = granularity
    }

    public var descriptor: FormatDescriptor {
        FormatDescriptor(kind: .int, bits: bits, granularity: granularity, symmetric: symmetric)
    }

    var symmetricMaximum: Float { Float((1 << (bits - 1)) - 1) }
    var unsignedMaximum: Float { Float((1 << bits) - 1) }
    var codeMask: UInt32 { (UInt32(1) << UInt32(bits)) - 1 }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let layout = GroupLayout(shape: tensor.shape, granularity: granularity)
        let (codes, fields) = Groupwise.quantize(tensor, layout: layout, fields: symmetric ? 1 : 2) { values, codes, metadata in
            if symmetric {
                metadata[0] = UInt32(quantizeSymmetric(values, into: codes))
            } else {
                let (scale, zero) = quantizeAsymmetric(values, into: codes)
                metadata[0] = UInt32(scale)
                metadata[1] = zero
            }
        }
        var metadata = [BitField(name: "scale", bitWidth: 16, values: fields[0])]
        if !symmetric { metadata.append(BitField(name: "zero", bitWidth: bits, values: fields[1])) }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: bits, values: codes), metadata: metadata)
    }

    @inline(__always)
    private func quantizeSymmetric(_ values: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt32>) -> UInt16 {
        let scaleCode = MiniFloat.fp16Saturating.encode(SignMagnitude.absoluteMaximum(values) / symmetricMaximum)
        let reciprocal = SignMagnitude.reciprocal(of: MiniFloat.fp16.decode(scaleCode))
        let limit = symmetricMaximum
        for (offset, value) in values.enumerated() {
            let q = min(max((value * reciprocal).roundedToNearestEven, -limit), limit)
            codes[offset] = UInt32(bitPattern: Int32(q)) & codeMask
        }
        return scaleCode
    }

    @inline(__always)
    private func quantizeAsymmetric(_ values: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt32>) -> (UInt16, UInt32) {
        var low: Float = 0
        var high: Float = 0
        for value in values { low = min(low, value); high = max(high, value) }
        let scaleCode = MiniFloat.fp16Saturating.encode((high - low) / unsignedMaximum)
        let reciprocal = SignMagnitude.reciprocal(of: MiniFloat.fp16.decode(scaleCode))
        let top = unsignedMaximum
        let zero = min(max((-low * reciprocal).roundedToNearestEven, 0), top)
        for (offset, value) in values.enumerated() {
            let q = min(max((value * reciprocal).roundedToNearestEven + zero, 0), top)
            codes[offset] = UInt32(q)
        }
        return (scaleCode, UInt32(zero))
    }

    /// The signed integer a code stands for (before the zero point, for asymmetric codes).
    @inline(__always)
    public func integer(of code: UInt32) -> Int32 {
        guard symmetric else { return Int32(code) }
        let shift = UInt32(32 - bits)
        return Int32(bitPattern: code << shift) >> Int32(shift)
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        let layout = GroupLayout(shape: quantized.shape, granularity: granularity)
        var fields = [("scale", layout.groupCount, 16)]
        if !symmetric { fields.append(("zero", layout.groupCount, bits)) }
        try quantized.expect(codes: quantized.elementCount, width: bits, fields: fields)
        let scales = try quantized.field("scale").values
        let zeros = symmetric ? [] : try quantized.field("zero").values
        var values = [Float](repeating: 0, count: quantized.elementCount)
        for group in 0..<layout.groupCount {
            let scale = MiniFloat.fp16.decode(UInt16(scales[group]))
            let zero = symmetric ? 0 : Int32(zeros[group])
            for index in layout.range(of: group) {
                values[index] = Float(integer(of: quantized.codes.values[index]) - zero) * scale
            }
        }
        return try Tensor(shape: quantized.shape, values: values)
    }
}

extension IntegerFormat: IntegerArrayFormat {
    /// The signed integer of each code; the group's FP16 scale. Symmetric formats only.
    public func arrayGroup(_ tensor: QuantizedTensor, group: Int, range: Range<Int>, into values: inout [Int32]) throws -> Float {
        guard descriptor.symmetric else {
            throw QuantizationError.invalidParameter(field: "format", message: "integer arrays run symmetric int weights, not \(name)")
        }
        for index in range { values[index] = integer(of: tensor.codes.values[index]) }
        return MiniFloat.fp16.decode(UInt16(try tensor.field("scale").values[group]))
    }
}
