/// Plain FP16 or BF16 storage: each value rounded to the format (nearest, ties to even), no scale.
public struct FloatCastFormat: QuantizationFormat {
    public var groupMetadataBits: Int { 0 }

    public let element: MiniFloat
    let kind: FormatDescriptor.Kind

    init(element: MiniFloat, kind: FormatDescriptor.Kind) {
        self.element = element
        self.kind = kind
    }

    public static let fp16 = FloatCastFormat(element: .fp16, kind: .fp16)
    public static let bf16 = FloatCastFormat(element: .bf16, kind: .bf16)

    public var descriptor: FormatDescriptor { FormatDescriptor(kind: kind, bits: 16, granularity: .tensor) }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let codes = tensor.values.map { UInt32(element.encode($0)) }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: 16, values: codes), metadata: [])
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        try quantized.expect(codes: quantized.elementCount, width: 16, fields: [])
        return try Tensor(shape: quantized.shape, values: quantized.codes.values.map { element.decode(UInt16($0)) })
    }
}

/// FP8 (E4M3 or E5M2, OCP 8-bit floating point) with an FP16 scale per tensor, channel or group:
/// S = fp16(absmax / largest finite FP8), code = fp8(x * (1/S)) with saturation, value = fp8 * S.
public struct ScaledFloatFormat: QuantizationFormat {
    public var groupMetadataBits: Int { 16 }

    public let element: MiniFloat
    public let granularity: Granularity
    let kind: FormatDescriptor.Kind

    init(element: MiniFloat, kind: FormatDescriptor.Kind, granularity: Granularity) throws {
        try granularity.validate()
        self.element = element
        self.kind = kind
        self.granularity = granularity
    }

    public var descriptor: FormatDescriptor { FormatDescriptor(kind: kind, bits: 8, granularity: granularity) }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let layout = GroupLayout(shape: tensor.shape, granularity: granularity)
        let largest = element.maxFinite
        let (codes, metadata) = Groupwise.quantize(tensor, layout: layout, fields: 1) { values, codes, metadata in
            let scaleCode = MiniFloat.fp16Saturating.encode(SignMagnitude.absoluteMaximum(values) / largest)
            metadata[0] = UInt32(scaleCode)
            let reciprocal = SignMagnitude.reciprocal(of: MiniFloat.fp16.decode(scaleCode))
            for (offset, value) in values.enumerated() { codes[offset] = UInt32(element.encode(value * reciprocal)) }
        }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: 8, values: codes),
                               metadata: [BitField(name: "scale", bitWidth: 16, values: metadata[0])])
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        let layout = GroupLayout(shape: quantized.shape, granularity: granularity)
        try quantized.expect(codes: quantized.elementCount, width: 8, fields: [("scale", layout.groupCount, 16)])
        let scales = try quantized.field("scale").values
        var values = [Float](repeating: 0, count: quantized.elementCount)
        for group in 0..<layout.groupCount {
            let scale = MiniFloat.fp16.decode(UInt16(scales[group]))
            for index in layout.range(of: group) {
                values[index] = element.decode(UInt16(quantized.codes.values[index])) * scale
            }
        }
        return try Tensor(shape: quantized.shape, values: values)
    }
}
