#include "common/fp16.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mantsim {

float half_to_float(uint16_t bits) {
    const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
    const uint32_t exponent = (bits >> 10) & 0x1Fu;
    const uint32_t mantissa = bits & 0x3FFu;
    float magnitude;
    if (exponent == 0) {
        magnitude = static_cast<float>(mantissa) * std::ldexp(1.0f, -24);
    } else if (exponent == 31) {
        magnitude = mantissa == 0 ? INFINITY : NAN;
    } else {
        const uint32_t word = ((exponent + 112u) << 23) | (mantissa << 13);
        std::memcpy(&magnitude, &word, sizeof magnitude);
    }
    uint32_t word;
    std::memcpy(&word, &magnitude, sizeof word);
    word |= sign;
    float result;
    std::memcpy(&result, &word, sizeof result);
    return result;
}

uint16_t float_to_half(float value, bool saturate) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const uint16_t sign = (bits >> 31) ? 0x8000u : 0;
    const int exponent8 = static_cast<int>((bits >> 23) & 0xFFu);
    const uint32_t fraction = bits & 0x7FFFFFu;
    constexpr int kMantissa = 10, kBias = 15;
    constexpr uint16_t kMaxFinite = 0x7BFF, kInfinity = 0x7C00, kNaN = 0x7E00;
    if (exponent8 == 0xFF) {
        if (fraction != 0) return kNaN;
        return sign | (saturate ? kMaxFinite : kInfinity);
    }
    if (exponent8 == 0 && fraction == 0) return sign;
    const uint32_t significand = exponent8 == 0 ? fraction : (fraction | 0x800000u);
    const int q = (exponent8 == 0 ? 1 : exponent8) - 150;
    const int binade = (31 - __builtin_clz(significand)) + q;
    const int kept = std::max(binade, 1 - kBias);
    const int shift = kept - kMantissa - q;
    int64_t units;
    if (shift <= 0) {
        units = static_cast<int64_t>(significand) << -shift;
    } else if (shift > 25) {
        units = 0;
    } else {
        units = significand >> shift;
        const uint32_t remainder = significand & ((1u << shift) - 1);
        const uint32_t half = 1u << (shift - 1);
        if (remainder > half || (remainder == half && (units & 1) == 1)) units += 1;
    }
    const int64_t code = (static_cast<int64_t>(kept + kBias - 1) << kMantissa) + units;
    if (code > kMaxFinite) return sign | (saturate ? kMaxFinite : kInfinity);
    return sign | static_cast<uint16_t>(code);
}

}  // namespace mantsim
