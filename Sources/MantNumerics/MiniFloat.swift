/// A binary floating-point format of at most 16 bits: FP16, BF16, FP8 E4M3 and E5M2, and the E2M1
/// element of MXFP4. Encoding rounds to nearest, ties to even, from the exact value of a binary32
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
    public static let e2m1 = MiniFloat(exponentBits: 2, mantissaBits: 1, specials: .none, overflow: .saturate)

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
    public func decode(_ code: UInt16) -> Float {
        let negative = code & signMask != 0
        let exponentField = Int((code >> UInt16(mantissaBits)) & UInt16(maxExponentField))
        let mantissa = Int(code & UInt16((1 << mantissaBits) - 1))
        let magnitude: Float
        if exponentField == maxExponentField, specials == .ieee {
            magnitude = mantissa == 0 ? .infinity : .nan
        } else if exponentField == maxExponentField, specials == .nanOnlyAllOnes, mantissa == (1 << mantissaBits) - 1 {
            magnitude = .nan
        } else if exponentField == 0 {
            magnitude = Float(sign: .plus, exponent: 1 - bias - mantissaBits, significand: Float(mantissa))
        } else {
            magnitude = Float(sign: .plus, exponent: exponentField - bias - mantissaBits,
                              significand: Float((1 << mantissaBits) | mantissa))
        }
        return negative ? -magnitude : magnitude
    }

    /// Rounds a binary32 value to this format (nearest, ties to even).
    public func encode(_ value: Float) -> UInt16 {
        let sign: UInt16 = value.sign == .minus ? signMask : 0
        if value.isNaN { return nanCode ?? (sign | maxFiniteCode) }
        if value.isInfinite {
            if overflow == .ieee, let infinityCode { return sign | infinityCode }
            if overflow == .ieee, let nanCode { return sign | nanCode }
            return sign | maxFiniteCode
        }
        let magnitude = Double(value.magnitude)
        if magnitude == 0 { return sign }
        // Quantum (value of one unit in the last place) at the input's binade, never below the
        // subnormal quantum. Doubles hold every step exactly: inputs have 24 significant bits.
        let minExponent = 1 - bias
        let binade = max(Int(magnitude.exponent), minExponent)
        let quantumExponent = binade - mantissaBits
        let units = (magnitude * Double(sign: .plus, exponent: -quantumExponent, significand: 1))
            .rounded(.toNearestOrEven)
        let rounded = units * Double(sign: .plus, exponent: quantumExponent, significand: 1)
        if rounded > Double(maxFinite) {
            return sign | overflowCode(magnitude: magnitude)
        }
        return sign | magnitudeCode(exactly: rounded)
    }

    private func overflowCode(magnitude: Double) -> UInt16 {
        guard overflow == .ieee else { return maxFiniteCode }
        // IEEE: round to infinity when the exact value reaches the midpoint above the largest
        // finite number; formats without infinity produce NaN there.
        if let infinityCode { return infinityCode }
        return nanCode ?? maxFiniteCode
    }

    /// Code of a magnitude already known to be representable.
    private func magnitudeCode(exactly magnitude: Double) -> UInt16 {
        let minExponent = 1 - bias
        let exponent = Int(magnitude.exponent)
        if exponent < minExponent {
            let units = magnitude * Double(sign: .plus, exponent: mantissaBits - minExponent, significand: 1)
            return UInt16(units)
        }
        let significand = magnitude * Double(sign: .plus, exponent: mantissaBits - exponent, significand: 1)
        let mantissa = Int(significand) - (1 << mantissaBits)
        return UInt16(((exponent + bias) << mantissaBits) | mantissa)
    }

    /// Rounds through the format and back: the binary32 value the format stores for `value`.
    @inline(__always)
    public func round(_ value: Float) -> Float { decode(encode(value)) }
}
