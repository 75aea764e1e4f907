import Foundation
import MantNumerics

/// The ggml tensor types MantSim dequantizes, with their block layouts as ggml defines them
/// (`ggml-common.h`; dequantization as in `ggml-quants.c`). Every block is little-endian; `d` and
/// `m` are FP16. The arithmetic is FP32 in ggml's order, so values are bit-identical to ggml's.
public enum GGMLType: UInt32, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q8_0 = 8, q4_K = 12, q6_K = 14, bf16 = 30

    public var description: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q8_0: return "Q8_0"
        case .q4_K: return "Q4_K"
        case .q6_K: return "Q6_K"
        }
    }

    /// Weights per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q8_0: return 32
        case .q4_K, .q6_K: return 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18      // d, 16 bytes of nibbles
        case .q4_1: return 20      // d, m, 16 bytes of nibbles
        case .q8_0: return 34      // d, 32 int8
        case .q4_K: return 144     // d, dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles
        case .q6_K: return 210     // 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 scales, d
        }
    }

    /// Decodes `count` weights (a whole number of blocks) from `raw`.
    public func dequantize(_ raw: Data, count: Int) -> [Float] {
        let blocks = count / blockSize
        var output = [Float](repeating: 0, count: count)
        raw.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            output.withUnsafeMutableBufferPointer { out in
                let chunk = max(1, blocks / 64)
                DispatchQueue.concurrentPerform(iterations: (blocks + chunk - 1) / chunk) { part in
                    for block in (part * chunk)..<min(blocks, (part + 1) * chunk) {
                        decode(block: UnsafeRawBufferPointer(rebasing: input[(block * blockBytes)..<((block + 1) * blockBytes)]),
                               into: UnsafeMutableBufferPointer(rebasing: out[(block * blockSize)..<((block + 1) * blockSize)]))
                    }
                }
            }
        }
        return output
    }

    @inline(__always) private func half(_ block: UnsafeRawBufferPointer, _ offset: Int) -> Float {
        MiniFloat.fp16.decode(UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    private func decode(block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .f32:
            y[0] = Float(bitPattern: UInt32(littleEndian: block.loadUnaligned(as: UInt32.self)))
        case .f16:
            y[0] = half(block, 0)
        case .bf16:
            y[0] = Float(bitPattern: UInt32(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self))) << 16)
        case .q8_0:
            let d = half(block, 0)
            for j in 0..<32 { y[j] = Float(Int8(bitPattern: block[2 + j])) * d }
        case .q4_0:
            let d = half(block, 0)
            for j in 0..<16 {
                let q = block[2 + j]
                y[j] = Float(Int(q & 0x0F) - 8) * d
                y[j + 16] = Float(Int(q >> 4) - 8) * d
            }
        case .q4_1:
            let d = half(block, 0), m = half(block, 2)
            for j in 0..<16 {
                let q = block[4 + j]
                y[j] = Float(q & 0x0F) * d + m
                y[j + 16] = Float(q >> 4) * d + m
            }
        case .q4_K:
            decodeQ4K(block, into: y)
        case .q6_K:
            decodeQ6K(block, into: y)
        }
    }

    /// Sub-block `j`'s 6-bit scale and min from the 12 packed bytes (ggml's `get_scale_min_k4`).
    @inline(__always) private static func scaleMin(_ j: Int, _ q: UnsafeRawBufferPointer) -> (UInt8, UInt8) {
        if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
        return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    private func decodeQ4K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = UnsafeRawBufferPointer(rebasing: block[4..<16])
        var q = 16, out = 0, sub = 0
        while out < 256 {
            let (scale1, min1) = GGMLType.scaleMin(sub, scales)
            let (scale2, min2) = GGMLType.scaleMin(sub + 1, scales)
            let d1 = d * Float(scale1), m1 = dmin * Float(min1)
            let d2 = d * Float(scale2), m2 = dmin * Float(min2)
            for l in 0..<32 { y[out + l] = d1 * Float(block[q + l] & 0x0F) - m1 }
            for l in 0..<32 { y[out + 32 + l] = d2 * Float(block[q + l] >> 4) - m2 }
            q += 32; out += 64; sub += 2
        }
    }

    private func decodeQ6K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        let d = half(block, 208)
        var ql = 0, qh = 128, scale = 192, out = 0
        while out < 256 {
            for l in 0..<32 {
                let group = l / 16
                let high = block[qh + l]
                let q1 = Int((block[ql + l] & 0x0F) | ((high & 3) << 4)) - 32
                let q2 = Int((block[ql + l + 32] & 0x0F) | (((high >> 2) & 3) << 4)) - 32
                let q3 = Int((block[ql + l] >> 4) | (((high >> 4) & 3) << 4)) - 32
                let q4 = Int((block[ql + l + 32] >> 4) | (((high >> 6) & 3) << 4)) - 32
                func s(_ k: Int) -> Float { Float(Int8(bitPattern: block[scale + group + k])) }
                y[out + l] = d * s(0) * Float(q1)
                y[out + l + 32] = d * s(2) * Float(q2)
                y[out + l + 64] = d * s(4) * Float(q3)
                y[out + l + 96] = d * s(6) * Float(q4)
            }
            out += 128; ql += 64; qh += 32; scale += 8
        }
    }
}
