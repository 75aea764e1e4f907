#include "kv/kv_quantizers.hpp"

#include <array>
#include <cmath>
#include <cstring>

#include "kinds/decoders.hpp"

#pragma STDC FP_CONTRACT OFF

namespace mantsim {

namespace {

constexpr int kSelectors = 16, kLevels = 8, kMagnitudeBits = 3;

struct Grid {
    std::array<float, kLevels> levels;
    std::array<float, kLevels - 1> midpoints;

    int index(float scaled) const {
        int count = 0;
        for (float midpoint : midpoints) count += scaled > midpoint ? 1 : 0;
        return count;
    }
};

const std::array<Grid, kSelectors> &mant4_grids() {
    static const std::array<Grid, kSelectors> grids = [] {
        std::array<Grid, kSelectors> result{};
        for (int selector = 0; selector < kSelectors; ++selector) {
            for (int i = 0; i < kLevels; ++i) {
                result[selector].levels[i] = selector == 15 ? static_cast<float>(i)
                                                            : static_cast<float>(mant_coefficients[selector] * i + (1 << i));
            }
            for (int i = 0; i + 1 < kLevels; ++i) {
                result[selector].midpoints[i] = (result[selector].levels[i] + result[selector].levels[i + 1]) / 2.0f;
            }
        }
        return result;
    }();
    return grids;
}

float reciprocal(float scale) { return scale == 0.0f ? 0.0f : 1.0f / scale; }

float absolute_maximum(const float *values, size_t count) {
    float result = 0.0f;
    for (size_t k = 0; k < count; ++k) result = std::max(result, std::fabs(values[k]));
    return result;
}

// Eight lanes by element index mod 8, combined pairwise: the reference's summation order.
float squared_error(const float *values, size_t count, const Grid &grid, float scale) {
    const float r = reciprocal(scale);
    float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t k = 0; k < count; ++k) {
        const float magnitude = std::fabs(values[k]);
        const float d = magnitude - scale * grid.levels[grid.index(magnitude * r)];
        lanes[k & 7] = lanes[k & 7] + d * d;
    }
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

}  // namespace

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

MantChoice quantize_mant4_group(const float *values, size_t count, uint16_t *codes) {
    const auto &grids = mant4_grids();
    const float absmax = absolute_maximum(values, count);
    MantChoice best{0, 0};
    float best_error = INFINITY;
    for (int selector = 0; selector < kSelectors; ++selector) {
        const Grid &grid = grids[selector];
        const uint16_t scale_code = float_to_half(absmax / grid.levels[kLevels - 1], true);
        const float error = squared_error(values, count, grid, half_to_float(scale_code));
        if (error < best_error) {
            best_error = error;
            best = MantChoice{scale_code, static_cast<uint8_t>(selector)};
        }
    }
    const Grid &grid = grids[best.selector];
    const float r = reciprocal(half_to_float(best.scale_code));
    for (size_t k = 0; k < count; ++k) {
        const int index = grid.index(std::fabs(values[k]) * r);
        const bool negative = values[k] < 0.0f && grid.levels[index] != 0.0f;
        codes[k] = static_cast<uint16_t>((negative ? 1u << kMagnitudeBits : 0u) | static_cast<uint32_t>(index));
    }
    return best;
}

uint16_t quantize_int8(const float *values, size_t count, int8_t *out) {
    const uint16_t scale_code = float_to_half(absolute_maximum(values, count) / 127.0f, true);
    const float r = reciprocal(half_to_float(scale_code));
    for (size_t k = 0; k < count; ++k) {
        const float q = std::min(std::max(std::nearbyint(values[k] * r), -127.0f), 127.0f);
        out[k] = static_cast<int8_t>(q);
    }
    return scale_code;
}

}  // namespace mantsim
