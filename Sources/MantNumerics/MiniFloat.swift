/// A binary floating-point format of at most 16 bits: FP16, BF16, FP8 E4M3 and E5M2 here, and
/// elements a format defines with itself (MXFP4's E2M1). Encoding rounds to nearest, ties to even, from the exact value of a binary32
/// input, as IEEE 754 defines it; what happens past the largest finite value is the format's
/// `overflow` rule.
public struct MiniFloat: Hashable, Sendable {
    /// What a finite input beyond the largest finite value becomes.
    public enum Overflow: Hashable, Sendable {
        /// IEEE 754: round to infinity (or to NaN for a format without infinities).
        case ieee
        /// Clamp to the largest finite value of the same sign (OCP "satfinite").
        case saturate
    }

    /// How the all-ones exponent field is used.
    public enum Specials: Hashable, Sendable {
        /// IEEE: all-ones exponent is infinity (mantissa 0) or NaN.
        case ieee
        /// OCP E4M3: no infinity; only exponent and mantissa both all-ones is NaN.
        case nanOnlyAllOnes
        /// No infinity and no NaN (E2M1): every code is finite.
        case none
    }

    public let exponentBits: Int
    public let mantissaBits: Int
    public let specials: Specials
    public let overflow: Overflow

    public init(exponentBits: Int, mantissaBits: Int, specials: Specials, overflow: Overflow) {
        precondition(exponentBits >= 1 && mantissaBits >= 0 && 1 + exponentBits + mantissaBits <= 16)
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.specials = specials
        self.overflow = overflow
    }

    public static let fp16 = MiniFloat(exponentBits: 5, mantissaBits: 10, specials: .ieee, overflow: .ieee)
    /// FP16 that clamps instead of overflowing; used for scales so a huge group stays finite.
    public static let fp16Saturating = MiniFloat(exponentBits: 5, mantissaBits: 10, specials: .ieee, overflow: .saturate)
    public static let bf16 = MiniFloat(exponentBits: 8, mantissaBits: 7, specials: .ieee, overflow: .ieee)
    public static let e4m3 = MiniFloat(exponentBits: 4, mantissaBits: 3, specials: .nanOnlyAllOnes, overflow: .saturate)
    public static let e5m2 = MiniFloat(exponentBits: 5, mantissaBits: 2, specials: .ieee, overflow: .saturate)

    public var bitWidth: Int { 1 + exponentBits + mantissaBits }
    public var bias: Int { (1 << (exponentBits - 1)) - 1 }
    var signMask: UInt16 { UInt16(1) << UInt16(exponentBits + mantissaBits) }
    var maxExponentField: Int { (1 << exponentBits) - 1 }

    /// Largest finite magnitude's code (sign bit clear).
    public var maxFiniteCode: UInt16 {
        switch specials {
        case .ieee: return UInt16(((maxExponentField - 1) << mantissaBits) | ((1 << mantissaBits) - 1))
        case .nanOnlyAllOnes: return UInt16((maxExponentField << mantissaBits) | ((1 << mantissaBits) - 2))
        case .none: return UInt16((maxExponentField << mantissaBits) | ((1 << mantissaBits) - 1))
        }
    }

    public var maxFinite: Float { decode(maxFiniteCode) }

    /// The code of a quiet NaN, if the format has one.
    public var nanCode: UInt16? {
        switch specials {
        case .ieee: return UInt16((maxExponentField << mantissaBits) | (1 << max(mantissaBits - 1, 0)))
        case .nanOnlyAllOnes: return UInt16((maxExponentField << mantissaBits) | ((1 << mantissaBits) - 1))
        case .none: return nil
        }
    }

    var infinityCode: UInt16? {
        specials == .ieee ? UInt16(maxExponentField << mantissaBits) : nil
    }

    /// The exact value of a code, widened to binary32 (every format here fits exactly).
    @inline(__always)
    public func decode(_ code: UInt16) -> Float {
        let signBits = UInt32(code & signMask) << UInt32(31 - exponentBits - mantissaBits)
        let exponentField = Int((code >> UInt16(mantissaBits)) & UInt16(maxExponentField))
        let mantissa = UInt32(code & UInt16((1 << mantissaBits) - 1))
        if exponentField == maxExponentField {
            switch specials {
            case .ieee: return Float(bitPattern: signBits | (mantissa == 0 ? 0x7F80_0000 : 0x7FC0_0000))
            case .nanOnlyAllOnes where mantissa == (1 << mantissaBits) - 1: return Float(bitPattern: signBits | 0x7FC0_0000)
            default: break
            }
        }
        if exponentField == 0 {
            // Subnormal: mantissa * 2^(1 - bias - M), a power-of-two scaling that is exact in binary32.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: 1 - bias - mantissaBits, significand: 1)
            return Float(bitPattern: signBits | magnitude.bitPattern)
        }
        let exponentBits32 = UInt32(exponentField - bias + 127) << 23
        return Float(bitPattern: signBits | exponentBits32 | (mantissa << UInt32(23 - mantissaBits)))
    }

    /// Rounds a binary32 value to this format (nearest, ties to even), in integer arithmetic on the
    /// input's significand m * 2^q: the kept units are m >> shift, rounded by the remainder.
    @inline(__always)
    public func encode(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign: UInt16 = bits >> 31 == 1 ? signMask : 0
        let exponent8 = Int((bits >> 23) & 0xFF)
        let fraction = bits & 0x7F_FFFF
        if exponent8 == 0xFF {
            if fraction != 0 { return nanCode ?? (sign | maxFiniteCode) }
            if overflow == .ieee, let infinityCode { return sign | infinityCode }
            if overflow == .ieee, let nanCode { return sign | nanCode }
            return sign | maxFiniteCode
        }
        if exponent8 == 0 && fraction == 0 { return sign }
        let significand = exponent8 == 0 ? fraction : fraction | 0x80_0000
        let q = (exponent8 == 0 ? 1 : exponent8) - 150
        let binade = (31 - significand.leadingZeroBitCount) + q
        let minExponent = 1 - bias
        let kept = max(binade, minExponent)
        let shift = kept - mantissaBits - q
        var units: Int
        if shift <= 0 {
            units = Int(significand) << -shift
        } else if shift > 25 {
            units = 0
        } else {
            units = Int(significand >> UInt32(shift))
            let remainder = significand & ((UInt32(1) << UInt32(shift)) - 1)
            let half = UInt32(1) << UInt32(shift - 1)
            if remainder > half || (remainder == half && units & 1 == 1) { units += 1 }
        }
        // Units carry into the exponent field on their own: the IEEE layout is monotonic.
        let code = ((kept + bias - 1) << mantissaBits) + units
        if code > Int(maxFiniteCode) { return sign | overflowCode() }
        return sign | UInt16(code)
    }

    private func overflowCode() -> UInt16 {
        guard overflow == .ieee else { return maxFiniteCode }
        // IEEE: round to infinity when the exact value reaches the midpoint above the largest
        // finite number; formats without infinity produce NaN there.
        if let infinityCode { return infinityCode }
        return nanCode ?? maxFiniteCode
    }

    /// Rounds through the format and back: the binary32 value the format stores for `value`.
    @inline(__always)
    public func round(_ value: Float) -> Float { decode(encode(value)) }
}
