/// Dynamic activation quantization as the arrays read it: symmetric INT8 or INT4 with one FP16
/// scale per token (row) or per group of a token, computed from the values at run time. K and V
/// vectors go through the same path (or any `QuantizationFormat`) as [tokens, head_dim] tensors.
public struct ActivationQuantizer: Sendable {
    public let format: IntegerFormat

    public init(bits: Int, granularity: Granularity = .channel) throws {
        guard bits == 8 || bits == 4 else {
            throw QuantizationError.invalidParameter(field: "activation bits", message: "expected 8 or 4, got \(bits)")
        }
        format = try IntegerFormat(bits: bits, symmetric: true, granularity: granularity)
    }

    /// Integer activations, their per-token or per-group scales, and the layout that maps one to the other.
    public struct Result: Equatable, Sendable {
        public var shape: [Int]
        public var integers: [Int8]
        public var scaleCodes: [UInt16]
        public var layout: GroupLayout { GroupLayout(shape: shape, granularity: granularity) }
        public let granularity: Granularity

        public var scales: [Float] { scaleCodes.map { MiniFloat.fp16.decode($0) } }
    }

    public func quantize(_ tensor: Tensor) throws -> Result {
        let quantized = try format.quantize(tensor)
        let integers = quantized.codes.values.map { Int8(format.integer(of: $0)) }
        let scaleCodes = try quantized.field("scale").values.map { UInt16($0) }
        return Result(shape: tensor.shape, integers: integers, scaleCodes: scaleCodes, granularity: format.granularity)
    }
}

extension GroupLayout: Equatable {
    public static func == (lhs: GroupLayout, rhs: GroupLayout) -> Bool {
        lhs.rows == rhs.rows && lhs.columns == rhs.columns && lhs.granularity == rhs.granularity
    }
}
