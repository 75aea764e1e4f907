// The KV engine's arithmetic: 4-bit M-ANT group quantization with the exhaustive 16-candidate
// search and symmetric INT8 per-vector quantization, exactly as MantSim's Swift reference
// numerics define them (MANTFormat, IntegerFormat, MiniFloat in Sources/MantNumerics).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/fp16.hpp"

namespace mantsim {

struct MantChoice {
    uint16_t scale_code;
    uint8_t selector;
};

// The 16 grids of 4-bit M-ANT: selectors 0..14 are g_a(i) = a*i + 2^i for the format's
// coefficients a (MANTFormat.coefficients, sent with the job), selector 15 the linear grid.
class Mant4Grids {
  public:
    static constexpr int kSelectors = 16, kLevels = 8, kCoefficients = 15;
    // No grids yet (every level 0): a job's coefficients come with the job.
    Mant4Grids() = default;
    // Throws std::invalid_argument unless there are 15 coefficients of at most 255.
    Mant4Grids(const uint16_t *coefficients, uint32_t count);
    const float *levels(int selector) const { return levels_[selector]; }
    // The index of the level nearest `scaled` (ties to the lower), by the midpoints.
    int index(int selector, float scaled) const;

  private:
    float levels_[kSelectors][kLevels] = {};
    float midpoints_[kSelectors][kLevels - 1] = {};
};

// One group of 4-bit M-ANT: every selector's grid at S = fp16(absmax / max level), the lowest
// squared error wins (ties to the lowest selector); writes one code per value.
MantChoice quantize_mant4_group(const Mant4Grids &grids, const float *values, size_t count, uint16_t *codes);

// Symmetric INT8 with one FP16 scale: S = fp16(absmax / 127), q = clamp(rne(x * (1/S)), +-127).
uint16_t quantize_int8(const float *values, size_t count, int8_t *out);

}  // namespace mantsim
