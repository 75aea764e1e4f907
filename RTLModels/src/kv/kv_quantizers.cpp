#include "kv/kv_quantizers.hpp"

#include <array>
#include <cmath>
#include <cstring>

#include "common/field_error.hpp"

#pragma STDC FP_CONTRACT OFF

namespace mantsim {

namespace {

constexpr int kSelectors = Mant4Grids::kSelectors, kLevels = Mant4Grids::kLevels, kMagnitudeBits = 3;

float reciprocal(float scale) { return scale == 0.0f ? 0.0f : 1.0f / scale; }

float absolute_maximum(const float *values, size_t count) {
    float result = 0.0f;
    for (size_t k = 0; k < count; ++k) result = std::max(result, std::fabs(values[k]));
    return result;
}

// Eight lanes by element index mod 8, combined pairwise: the reference's summation order.
float squared_error(const float *values, size_t count, const Mant4Grids &grids, int selector, float scale) {
    const float r = reciprocal(scale);
    const float *levels = grids.levels(selector);
    float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t k = 0; k < count; ++k) {
        const float magnitude = std::fabs(values[k]);
        const float d = magnitude - scale * levels[grids.index(selector, magnitude * r)];
        lanes[k & 7] = lanes[k & 7] + d * d;
    }
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

}  // namespace


Mant4Grids::Mant4Grids(const uint16_t *coefficients, uint32_t count) {
    if (coefficients == nullptr || count != kCoefficients) {
        throw field_error("kv.mant_coefficients", "the engine's M-ANT grids need the format's " + std::to_string(kCoefficients) +
                                                      " coefficients, got " + std::to_string(coefficients ? count : 0));
    }
    for (int selector = 0; selector < kSelectors; ++selector) {
        if (selector < kCoefficients && coefficients[selector] > 255) {
            throw field_error("kv.mant_coefficients", "coefficient " + std::to_string(selector) + " is " + std::to_string(coefficients[selector]) +
                                                          ", above 255");
        }
        for (int i = 0; i < kLevels; ++i) {
            levels_[selector][i] = selector == kCoefficients ? static_cast<float>(i) : static_cast<float>(coefficients[selector] * i + (1 << i));
        }
        for (int i = 0; i + 1 < kLevels; ++i) midpoints_[selector][i] = (levels_[selector][i] + levels_[selector][i + 1]) / 2.0f;
    }
}

int Mant4Grids::index(int selector, float scaled) const {
    int count = 0;
    for (float midpoint : midpoints_[selector]) count += scaled > midpoint ? 1 : 0;
    return count;
}

MantChoice quantize_mant4_group(const Mant4Grids &grids, const float *values, size_t count, uint16_t *codes) {
    const float absmax = absolute_maximum(values, count);
    MantChoice best{0, 0};
    float best_error = INFINITY;
    for (int selector = 0; selector < kSelectors; ++selector) {
        const uint16_t scale_code = float_to_half(absmax / grids.levels(selector)[kLevels - 1], true);
        const float error = squared_error(values, count, grids, selector, half_to_float(scale_code));
        if (error < best_error) {
            best_error = error;
            best = MantChoice{scale_code, static_cast<uint8_t>(selector)};
        }
    }
    const float r = reciprocal(half_to_float(best.scale_code));
    for (size_t k = 0; k < count; ++k) {
        const int index = grids.index(best.selector, std::fabs(values[k]) * r);
        const bool negative = values[k] < 0.0f && grids.levels(best.selector)[index] != 0.0f;
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
