import Foundation
import XCTest
@testable import MantNumerics

/// FP conversions against the IEEE 754 definitions, over every bit pattern of each format.
final class MiniFloatTests: XCTestCase {
    /// (-1)^s * 2^(e - bias) * (1 + m / 2^M), subnormal when e = 0: the textbook definition.
    private func definition(_ format: MiniFloat, _ code: UInt16) -> Double? {
        let m = format.mantissaBits, e = format.exponentBits
        let sign: Double = (code >> UInt16(m + e)) & 1 == 1 ? -1 : 1
        let exponent = Int((code >> UInt16(m)) & UInt16((1 << e) - 1))
        let mantissa = Double(code & UInt16((1 << m) - 1))
        let allOnes = (1 << e) - 1
        switch format.specials {
        case .ieee where exponent == allOnes: return mantissa == 0 ? sign * .infinity : nil
        case .nanOnlyAllOnes where exponent == allOnes && Int(mantissa) == (1 << m) - 1: return nil
        default: break
        }
        let bias = Double((1 << (e - 1)) - 1)
        if exponent == 0 { return sign * mantissa / pow(2, Double(m)) * pow(2, 1 - bias) }
        return sign * (1 + mantissa / pow(2, Double(m))) * pow(2, Double(exponent) - bias)
    }

    private func checkEveryCode(_ format: MiniFloat, file: StaticString = #filePath, line: UInt = #line) {
        for code in 0..<(1 << format.bitWidth) {
            let code = UInt16(code)
            let decoded = format.decode(code)
            guard let expected = definition(format, code) else {
                XCTAssertTrue(decoded.isNaN, "code \(code) should be NaN", file: file, line: line)
                continue
            }
            XCTAssertEqual(Double(decoded), expected, "code \(code)", file: file, line: line)
            XCTAssertEqual(decoded.sign == .minus, code >> UInt16(format.bitWidth - 1) == 1, file: file, line: line)
            if decoded.isFinite || format.overflow == .ieee {
                XCTAssertEqual(format.encode(decoded), code, "round trip of code \(code)", file: file, line: line)
            }
        }
    }

    /// Every midpoint between adjacent finite codes rounds to the even one; one binary32 ulp either
    /// side rounds to the nearer one.
    private func checkEveryRoundingBoundary(_ format: MiniFloat, file: StaticString = #filePath, line: UInt = #line) {
        let positive = (0...Int(format.maxFiniteCode)).map { UInt16($0) }
            .filter { format.decode($0).isFinite }
        for (low, high) in zip(positive, positive.dropFirst()) {
            let a = format.decode(low), b = format.decode(high)
            let midpoint = Float((Double(a) + Double(b)) / 2)
            XCTAssertEqual(Double(midpoint), (Double(a) + Double(b)) / 2, "midpoint must be exact in binary32")
            let even = low & 1 == 0 ? low : high
            for sign: Float in [1, -1] {
                let signBit: UInt16 = sign < 0 ? format.signMask : 0
                XCTAssertEqual(format.encode(sign * midpoint), signBit | even, "tie between \(a) and \(b)", file: file, line: line)
                XCTAssertEqual(format.encode(sign * midpoint.nextDown), signBit | low, file: file, line: line)
                XCTAssertEqual(format.encode(sign * midpoint.nextUp), signBit | high, file: file, line: line)
            }
        }
    }

    func testFP16EveryCodeAndBoundary() {
        checkEveryCode(.fp16)
        checkEveryRoundingBoundary(.fp16)
    }

    func testFP16AgreesWithTheCompilersFloat16() {
        #if arch(x86_64) || arch(arm64)
        var generator = SeededGenerator(seed: 16)
        for _ in 0..<200_000 {
            let bits = UInt32(truncatingIfNeeded: generator.next())
            let value = Float(bitPattern: bits)
            guard !value.isNaN else { continue }
            XCTAssertEqual(MiniFloat.fp16.encode(value), Float16(value).bitPattern, "input bits \(bits)")
        }
        for code in 0..<65536 {
            let half = Float16(bitPattern: UInt16(code))
            if half.isNaN { continue }
            XCTAssertEqual(MiniFloat.fp16.decode(UInt16(code)), Float(half))
        }
        #endif
    }

    func testBF16EveryCodeAndBoundary() {
        checkEveryCode(.bf16)
        checkEveryRoundingBoundary(.bf16)
    }

    func testFP8EveryCodeAndBoundary() {
        checkEveryCode(.e4m3)
        checkEveryRoundingBoundary(.e4m3)
        checkEveryCode(.e5m2)
        checkEveryRoundingBoundary(.e5m2)
        XCTAssertEqual(MiniFloat.e4m3.maxFinite, 448)
        XCTAssertEqual(MiniFloat.e5m2.maxFinite, 57344)
        XCTAssertEqual(MiniFloat.e4m3.decode(0x01), 0x1p-9)
    }

    func testE2M1Values() {
        checkEveryCode(.e2m1)
        XCTAssertEqual((0..<8).map { MiniFloat.e2m1.decode(UInt16($0)) }, [0, 0.5, 1, 1.5, 2, 3, 4, 6])
    }

    func testOverflowRules() {
        // FP16: 65504 is the largest; the midpoint 65520 ties away to infinity (65504 is odd).
        XCTAssertEqual(MiniFloat.fp16.encode(65519), 0x7BFF)
        XCTAssertEqual(MiniFloat.fp16.encode(65520), 0x7C00)
        XCTAssertEqual(MiniFloat.fp16.encode(-1e30), 0xFC00)
        XCTAssertEqual(MiniFloat.fp16Saturating.encode(1e30), 0x7BFF)
        // E4M3 saturates to 448; the IEEE-style variant overflows to NaN past 464.
        XCTAssertEqual(MiniFloat.e4m3.decode(MiniFloat.e4m3.encode(1000)), 448)
        let e4m3Strict = MiniFloat(exponentBits: 4, mantissaBits: 3, specials: .nanOnlyAllOnes, overflow: .ieee)
        XCTAssertEqual(e4m3Strict.encode(464), 0x7E)
        XCTAssertTrue(e4m3Strict.decode(e4m3Strict.encode(465)).isNaN)
        XCTAssertEqual(MiniFloat.e2m1.decode(MiniFloat.e2m1.encode(-100)), -6)
        // NaN stays NaN where the format has one.
        XCTAssertTrue(MiniFloat.bf16.decode(MiniFloat.bf16.encode(.nan)).isNaN)
        // Signed zero and underflow keep their sign.
        XCTAssertEqual(MiniFloat.fp16.encode(-0.0), 0x8000)
        XCTAssertEqual(MiniFloat.fp16.encode(-1e-10), 0x8000)
    }
}

final class RoundingTests: XCTestCase {
    func testMagicRoundingAgreesWithLibm() {
        var generator = SeededGenerator(seed: 5)
        var samples: [Float] = [0.5, 1.5, 2.5, -0.5, -2.5, 0x1p22 - 0.5, -(0x1p22 - 0.5), 0x1p22, 1e30, -0.0, 0.49999997]
        for _ in 0..<100_000 { samples.append(Float(generator.nextGaussian() * 300)) }
        for _ in 0..<10_000 { samples.append(Float(Int(generator.next() % 2000)) / 2 - 500) }
        for x in samples {
            XCTAssertEqual(x.roundedToNearestEven, x.rounded(.toNearestOrEven), "\(x)")
        }
    }
}
