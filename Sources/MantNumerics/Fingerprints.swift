/// FNV-1a, 64-bit: the digest every MantSim output fingerprint and per-name seed uses.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64

    public init(basis: UInt64 = 0) { value = 0xCBF2_9CE4_8422_2325 ^ basis }

    public mutating func add(_ byte: UInt8) { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }

    public mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for byte in bytes { add(byte) }
    }

    /// A float's four bytes, least significant first.
    public mutating func add(_ float: Float) {
        let bits = float.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { add(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }

    /// The bit patterns of `floats`, in order.
    public static func digest(of floats: [Float]) -> UInt64 {
        var hash = FNV1a()
        for float in floats { hash.add(float) }
        return hash.value
    }
}

/// Signal-to-quantization-noise ratio: sum x^2 over sum (x - y)^2, in decibels.
public struct SignalToNoise: Sendable {
    public private(set) var signal = 0.0, noise = 0.0

    public init() {}

    public mutating func add(exact x: Double, approximation y: Double) {
        signal += x * x
        noise += (x - y) * (x - y)
    }

    /// 10 log10(signal / noise); nil when the approximation is exact.
    public var decibels: Double? { SignalToNoise.decibels(signal: signal, noise: noise) }

    public static func decibels(signal: Double, noise: Double) -> Double? {
        noise == 0 ? nil : 10 * _log10(signal / noise)
    }
}
