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
    @inline(__always)
    static func squaredError(_ values: UnsafeBufferPointer<Float>, grid: MagnitudeGrid, scale: Float) -> Float {
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
        }
        while k < count {
            let magnitude = values[k].magnitude
            let d = magnitude - scale * levels[grid.index(of: magnitude * reciprocal)]
            lanes[k & 7] += d * d
            k += 1
        }
        return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
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
