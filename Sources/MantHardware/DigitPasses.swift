import MantNumerics

/// A symmetric integer operand wider than the array's PEs take (an INT16 KV cache on ANT PEs),
/// run the way such an array would: as several passes over the same PEs, each pass one digit
/// plane in the PE's own format.
///
/// The rule, one for every integer kind that has it: q = sign x u with u = |q| < 2^(b-1) split
/// into base-2^m digits u_d (d = 0 is the least significant), and pass d's weight is the
/// sign-magnitude digit sign x u_d, which every kind below multiplies natively. Pass d's group
/// scale is the operand's FP16 scale times 2^(m d): an exponent add, exact in FP16 (a scale that
/// would overflow FP16 is refused). Each pass is a whole GEMM on the array (weights loaded and
/// activations streamed again); the output buffer adds each pass's result into the previous
/// passes' in pass order, y = ((y_0 + y_1) + y_2) + ..., FP32 round to nearest even, one read,
/// add and write per output after the first pass (counted as obuf.read_bits and vector.add; the
/// add overlaps the pass's write-back, so it adds no cycles).
///
/// | PE kind | digit (m bits of magnitude) | passes for INT16 | for INT8 |
/// |---------|------------------------------|------------------|----------|
/// | int, w-bit PEs | two's complement, m = w - 1 (INT8: 7, INT4: 3) | 3 (INT8 PEs), 5 (INT4) | 1 (INT8), 3 (INT4) |
/// | ant     | the int type's sign-magnitude code, m = 3 | 5 | 3 |
/// | olive   | a normal int4 value (never the victim code 8), m = 3 | 5 | 3 |
///
/// Sign-magnitude digits cost a pass where balanced signed digits would not (INT8 PEs could take
/// INT16 in two signed-digit passes for |q| <= 32639), but they are the one split that all three
/// kinds take: ANT's and OliVe's 4-bit PEs have no -8, so base-16 signed digits do not exist on
/// them. Other kinds (FP16, M-ANT, MXFP4, LUT, VQ) have no integer digit path and refuse.
public struct DigitPasses: Sendable, Equatable {
    public let peType: PEType
    /// The PE's weight width (the digit plane's code width).
    public let digitBits: Int
    /// Magnitude bits per digit.
    public let magnitudeBits: Int
    public let passes: Int

    /// The split of `format` on an array of `peType` PEs `peWeightBits` wide, or nil when the PEs
    /// take `format` as it is or have no digit path for it.
    public init?(format: FormatDescriptor, peType: PEType, peWeightBits: Int) {
        guard format.kind == .int, format.symmetric else { return nil }
        switch peType {
        case .int, .bitfusion:
            guard format.bits > peWeightBits, (2...8).contains(peWeightBits) else { return nil }
            (digitBits, magnitudeBits) = (peWeightBits, peWeightBits - 1)
        case .ant, .olive: (digitBits, magnitudeBits) = (4, 3)
        default: return nil
        }
        self.peType = peType
        passes = (format.bits - 1 + magnitudeBits - 1) / magnitudeBits
    }

    /// The split the array needs for these operands, or nil when it runs them as they are.
    public init?(_ operands: GemmOperands, on config: ArrayConfig) {
        self.init(format: operands.weights.format, peType: config.peType, peWeightBits: config.peWeightBits)
    }

    /// The digit (sign x u_d) of integer `q` in pass `pass`.
    public func digit(of q: Int32, pass: Int) -> Int32 {
        let magnitude = (q.magnitude >> UInt32(magnitudeBits * pass)) & ((1 << UInt32(magnitudeBits)) - 1)
        return q < 0 ? -Int32(magnitude) : Int32(magnitude)
    }

    /// The digit planes of `weights` (a symmetric int tensor), least significant first, each in the
    /// PE's own format with the same groups.
    public func planes(of weights: QuantizedTensor) throws -> [QuantizedTensor] {
        let format = try IntegerFormat(bits: weights.format.bits, symmetric: true, granularity: weights.format.granularity)
        let integers = weights.codes.values.map { format.integer(of: $0) }
        let scales = try weights.field("scale").values
        return try (0..<passes).map { pass in
            let codes = integers.map { code(digit(of: $0, pass: pass)) }
            let factor = Float(1 << (magnitudeBits * pass))
            let passScales = try scales.map { bits -> UInt32 in
                let scale = MiniFloat.fp16.decode(UInt16(bits)) * factor
                let encoded = MiniFloat.fp16.encode(scale)
                guard MiniFloat.fp16.decode(encoded) == scale else {
                    throw QuantizationError.invalidParameter(field: "scale", message: "pass \(pass) of \(weights.format.name) on \(peType.rawValue) PEs "
                        + "needs scale \(scale), beyond FP16")
                }
                return UInt32(encoded)
            }
            var metadata = [BitField(name: "scale", bitWidth: 16, values: passScales)]
            let descriptor: FormatDescriptor
            switch peType {
            case .ant:
                metadata.append(BitField(name: "type", bitWidth: ANTFormat.typeBits, values: [UInt32](repeating: UInt32(ANTFormat.NumericType.int.rawValue), count: scales.count)))
                descriptor = FormatDescriptor(kind: .ant, bits: 4, granularity: weights.format.granularity)
            case .olive: descriptor = FormatDescriptor(kind: .olive, bits: 4, granularity: weights.format.granularity)
            default: descriptor = FormatDescriptor(kind: .int, bits: digitBits, granularity: weights.format.granularity)
            }
            return QuantizedTensor(format: descriptor, shape: weights.shape, codes: BitField(name: "codes", bitWidth: digitBits, values: codes),
                                   metadata: metadata)
        }
    }

    /// A digit's code: sign-magnitude for ANT's int type, two's complement otherwise.
    private func code(_ digit: Int32) -> UInt32 {
        if peType == .ant { return digit < 0 ? 8 | UInt32(-digit) : UInt32(digit) }
        return UInt32(bitPattern: digit) & ((1 << UInt32(digitBits)) - 1)
    }

    /// The passes' operands: the same activations, one digit plane each.
    public func operands(_ operands: GemmOperands) throws -> [GemmOperands] {
        try planes(of: operands.weights).map { try operands.replacingWeights($0) }
    }

    /// The passes' results combined: outputs added in pass order, cycles and counters summed, and
    /// the output buffer's read and add of every output after the first pass.
    public static func combine(_ results: [GemmResult], outputs: Int) -> GemmResult {
        var combined = results[0]
        for result in results.dropFirst() {
            for (index, value) in result.output.enumerated() { combined.output[index] = combined.output[index] + value }
            combined.totalCycles += result.totalCycles
            combined.computeCycles += result.computeCycles
            combined.stallCycles += result.stallCycles
            combined.counters.merge(result.counters, uniquingKeysWith: +)
            combined.counters["obuf.read_bits", default: 0] += UInt64(outputs) * 32
            combined.counters["vector.add", default: 0] += UInt64(outputs)
        }
        return combined
    }
}
