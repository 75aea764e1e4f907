import MantNumerics

/// The arithmetic every array must reproduce bit for bit; the SystemC model is checked against it.
///
/// Integer arrays: each weight is an integer w on its format's grid (M-ANT: +-(a*i + 2^i), or +-i
/// for the linear selector; ANT's flint and float grids times 4 and 2; OliVe in int4 units;
/// MXFP4's E2M1 times 2) and each group g of a row has an FP32 scale s_g (the FP16 scale, times
/// the power of two that undoes the integer grid; MXFP4: 2^(e-128)). For output (m, n):
///
///     T_g = sum over k in g of w[n][k] * x[m][k]       (exact, 32-bit integer)
///     acc = 0; for g ascending: acc = acc + s_g * Float(T_g)
///     y   = acc * sx[m]                                  (sx: the token's FP16 scale)
///
/// every FP32 operation rounded to nearest even, none fused. M-ANT's PE computes T_g as
/// a * M + H from its MAC path (M = sum +-i*x) and shift path (H = sum +-(x << i)), which is the
/// same integer. FP16 array (and the LUT and VQ arrays, w their decoders' FP16 output): acc = 0;
/// for k ascending: acc = acc + w * x (the FP16 product is exact in FP32); y = acc. LUT array with
/// its scale in the SAC row: w = table[q] and, for each group g, P_g = 0; for k ascending in g:
/// P_g = P_g + w * x; then acc = acc + s_g * P_g, groups ascending.
public enum GemmReference {
    /// Integer weights and per-group FP32 scales of an integer-array format, for the stored rows.
    public struct IntegerWeights: Equatable {
        public var values: [Int32]
        public var groupScales: [Float]
    }

    /// Each format's own `arrayGroup` (IntegerArrayFormat) gives its integers and group scales.
    public static func integerWeights(_ operands: GemmOperands) throws -> IntegerWeights {
        let weights = operands.weights
        guard let format = try weights.format.makeFormat() as? any IntegerArrayFormat else {
            throw QuantizationError.invalidParameter(field: "format", message: "\(weights.format.name) weights are not integers")
        }
        let (n, k, size, groups) = (operands.weightRowPeriod, operands.k, operands.groupSize, operands.groups)
        var values = [Int32](repeating: 0, count: n * k)
        var scales = [Float](repeating: 0, count: n * groups)
        for row in 0..<n {
            for group in 0..<groups {
                let meta = row * groups + group
                let range = (row * k + group * size)..<(row * k + min(k, (group + 1) * size))
                scales[meta] = try format.arrayGroup(weights, group: meta, range: range, into: &values)
            }
        }
        return IntegerWeights(values: values, groupScales: scales)
    }

    /// The FP16 value each PE of an FP16-datapath array multiplies, for the stored rows. LUT:
    /// fp16(entry[q] x s), entry = fp16(table[q]), s the group's FP16 scale: FLUTE's FP16 W = table[q] * s;
    /// with the scale in the SAC row, entry[q]. VQ: fp16(sum over stages of entry[stage][index]),
    /// the sum in binary32 in stage order.
    public static func fp16Weights(_ operands: GemmOperands, lutScale: LUTScale = .decoder) throws -> [Float] {
        let codes = operands.weights.codes.values
        if operands.peType == .vq, let config = operands.weights.format.vq {
            let values = try VectorQuantizationFormat(config: config).dequantize(operands.weights).values
            return values.map { MiniFloat.fp16.round($0) }
        }
        guard operands.peType == .lut else { return codes.map { MiniFloat.fp16.decode(UInt16($0)) } }
        let entries = operands.lookupTableCodes.map { MiniFloat.fp16.decode($0) }
        if lutScale == .sac { return codes.map { entries[Int($0)] } }
        let scales = try operands.weights.field("scale").values.map { MiniFloat.fp16.decode(UInt16($0)) }
        let (k, size, groups) = (operands.k, operands.groupSize, operands.groups)
        return codes.enumerated().map { index, code in
            MiniFloat.fp16.round(entries[Int(code)] * scales[(index / k) * groups + (index % k) / size])
        }
    }

    /// Y of an array that runs the weights in digit passes: each pass's Y (its plane through the
    /// PE kind's integers and pass scales, as below), added in pass order in FP32.
    public static func run(_ operands: GemmOperands, passes split: DigitPasses) throws -> [Float] {
        var output = [Float]()
        for plane in try split.operands(operands) {
            let pass = try run(plane)
            output = output.isEmpty ? pass : zip(output, pass).map { $0 + $1 }
        }
        return output
    }

    /// Y as an M x N row-major array; `lutScale` says where a LUT array applies its group scales.
    public static func run(_ operands: GemmOperands, lutScale: LUTScale = .decoder) throws -> [Float] {
        let (m, k, n) = (operands.m, operands.k, operands.n)
        var output = [Float](repeating: 0, count: m * n)
        if operands.peType.multipliesFP16 {
            let grouped = operands.peType == .lut && lutScale == .sac
            let w = try fp16Weights(operands, lutScale: lutScale)
            let x = operands.activationHalfCodes.map { MiniFloat.fp16.decode($0) }
            let (size, groups) = grouped ? (operands.groupSize, operands.groups) : (k, 1)
            let scales = grouped ? try operands.weights.field("scale").values.map { MiniFloat.fp16.decode(UInt16($0)) } : []
            for row in 0..<m {
                for column in 0..<n {
                    var acc: Float = 0
                    let stored = column % operands.weightRowPeriod
                    for group in 0..<groups {
                        var sum: Float = grouped ? 0 : acc
                        for step in (group * size)..<min(k, (group + 1) * size) { sum = sum + w[stored * k + step] * x[row * k + step] }
                        acc = grouped ? acc + scales[stored * groups + group] * sum : sum
                    }
                    output[row * n + column] = acc
                }
            }
            return output
        }
        let weights = try integerWeights(operands)
        let (size, groups) = (operands.groupSize, operands.groups)
        for row in 0..<m {
            let scale = MiniFloat.fp16.decode(operands.activationScaleCodes[row])
            for column in 0..<n {
                let stored = column % operands.weightRowPeriod
                var acc: Float = 0
                for group in 0..<groups {
                    var total: Int32 = 0
                    for step in (group * size)..<min(k, (group + 1) * size) {
                        total += weights.values[stored * k + step] * Int32(operands.activationIntegers[row * k + step])
                    }
                    acc = acc + weights.groupScales[stored * groups + group] * Float(total)
                }
                output[row * n + column] = acc * scale
            }
        }
        return output
    }
}
