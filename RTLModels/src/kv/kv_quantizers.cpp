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
