/// Ascending non-negative magnitudes of a sign-magnitude code (M-ANT candidates, ANT's types, the
/// OliVe union grid) and the rule every such format uses to pick a level.
///
/// Rounding rule: for a scaled magnitude t = |x| * (1 / S), the level index is the number of
/// midpoints strictly below t, so t exactly on a midpoint goes to the smaller level. Midpoints are
/// (l[i] + l[i+1]) / 2 in binary32.
public struct MagnitudeGrid: Hashable, Sendable {
    public let levels: [Float]
    public let midpoints: [Float]

    public init(levels: [Float]) {
        precondition(!levels.isEmpty && zip(levels, levels.dropFirst()).allSatisfy { $0 < $1 },
                     "levels must be strictly ascending")
        self.levels = levels
        midpoints = zip(levels, levels.dropFirst()).map { ($0 + $1) / 2 }
    }

    public var maximum: Float { levels[levels.count - 1] }

    @inline(__always)
    public func index(of scaledMagnitude: Float) -> Int {
        var index = 0
        for midpoint in midpoints where scaledMagnitude > midpoint { index += 1 }
        return index
    }
}

/// The sign-magnitude kernels shared by every format that scales a group onto a `MagnitudeGrid`.
/// Codes are `sign << magnitudeBits | index`, with the sign cleared when the level is zero.
enum SignMagnitude {
    /// The reciprocal every such quantizer multiplies by; a zero scale maps everything to level 0.
    @inline(__always)
    static func reciprocal(of scale: Float) -> Float { scale == 0 ? 0 : 1 / scale }

    /// Sum of squared errors of one group at scale S: d = |x| - S * level (binary32, unfused),
    /// accumulated in eight lanes by element index mod 8 and combined pairwise.
    ///
    /// With `stopAt`, the loop may return early any value >= `stopAt` once the running sum reaches
    /// it: the terms are non-negative and binary32 addition is monotonic, so the full sum could
    /// only be larger. A caller that keeps a candidate only when its error is below `stopAt` gets
    /// the same choice either way.
    @inline(__always)
    static func squaredError(_ values: UnsafeBufferPointer<Float>, grid: MagnitudeGrid, scale: Float,
                             stopAt limit: Float = .infinity) -> Float {
        let reciprocal = reciprocal(of: scale)
        let count = values.count
        let base = UnsafeRawPointer(values.baseAddress!)
        let r8 = SIMD8<Float>(repeating: reciprocal)
        let s8 = SIMD8<Float>(repeating: scale)
        let levels = grid.levels
        let midpoints = grid.midpoints
        var lanes = SIMD8<Float>()
        var k = 0
        while k + 8 <= count {
            let v = base.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
            let magnitude = v.replacing(with: -v, where: v .< 0)
            let t = magnitude * r8
            var level = SIMD8<Float>(repeating: levels[0])
            for j in 0..<midpoints.count {
                level.replace(with: levels[j + 1], where: t .> midpoints[j])
            }
            let d = magnitude - s8 * level
            lanes += d * d
            k += 8
            if k & 31 == 0, reduce(lanes) >= limit { return reduce(lanes) }
        }
        while k < count {
            let magnitude = values[k].magnitude
            let d = magnitude - scale * levels[grid.index(of: magnitude * reciprocal)]
            lanes[k & 7] += d * d
            k += 1
        }
        return reduce(lanes)
    }

    @inline(__always)
    static func reduce(_ lanes: SIMD8<Float>) -> Float {
        ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
    }

    /// Codes of a run of values, eight at a time; the same rule as `code(of:...)`.
    @inline(__always)
    static func encode(_ values: UnsafeBufferPointer<Float>, grid: MagnitudeGrid, scale: Float, magnitudeBits: Int,
                       into codes: UnsafeMutableBufferPointer<UInt32>) {
        let reciprocal = reciprocal(of: scale)
        let count = values.count
        let base = UnsafeRawPointer(values.baseAddress!)
        let r8 = SIMD8<Float>(repeating: reciprocal)
        let midpoints = grid.midpoints
        let signBit = SIMD8<UInt32>(repeating: UInt32(1) << UInt32(magnitudeBits))
        let zeroLevel = grid.levels[0] == 0
        var k = 0
        while k + 8 <= count {
            let v = base.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
            let t = v.replacing(with: -v, where: v .< 0) * r8
            var index = SIMD8<UInt32>(repeating: 0)
            for midpoint in midpoints {
                index &+= SIMD8<UInt32>(repeating: 0).replacing(with: 1, where: t .> midpoint)
            }
            var negative = v .< 0
            if zeroLevel { negative = negative .& (index .!= 0) }
            let code = index | SIMD8<UInt32>(repeating: 0).replacing(with: signBit, where: negative)
            for lane in 0..<8 { codes[k + lane] = code[lane] }
            k += 8
        }
        while k < count {
            codes[k] = code(of: values[k], grid: grid, reciprocal: reciprocal, magnitudeBits: magnitudeBits)
            k += 1
        }
    }

    @inline(__always)
    static func code(of value: Float, grid: MagnitudeGrid, reciprocal: Float, magnitudeBits: Int) -> UInt32 {
        let index = grid.index(of: value.magnitude * reciprocal)
        let negative = value < 0 && grid.levels[index] != 0
        return (negative ? UInt32(1) << UInt32(magnitudeBits) : 0) | UInt32(index)
    }

    @inline(__always)
    static func value(of code: UInt32, grid: MagnitudeGrid, scale: Float, magnitudeBits: Int) -> Float {
        let index = Int(code & ((UInt32(1) << UInt32(magnitudeBits)) - 1))
        let magnitude = scale * grid.levels[index]
        return code >> UInt32(magnitudeBits) & 1 == 1 ? -magnitude : magnitude
    }

    static func absoluteMaximum(_ values: UnsafeBufferPointer<Float>) -> Float {
        var result: Float = 0
        for value in values { result = max(result, value.magnitude) }
        return result
    }
}

extension Float {
    /// Round to nearest, ties to even, without a libm call on CPUs lacking a rounding instruction:
    /// adding and subtracting 1.5 * 2^23 leaves the nearest integer (binary32 addition rounds to
    /// nearest even) for every |x| < 2^22; larger values are already integers or go through libm.
    @inline(__always)
    var roundedToNearestEven: Float {
        guard self.magnitude < 0x1p22 else { return rounded(.toNearestOrEven) }
        let magic: Float = 0x1.8p23
        return (self + magic) - magic
    }
}
