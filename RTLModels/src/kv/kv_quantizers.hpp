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

// One group of 4-bit M-ANT: every selector's grid at S = fp16(absmax / max level), the lowest
// squared error wins (ties to the lowest selector); writes one code per value.
MantChoice quantize_mant4_group(const float *values, size_t count, uint16_t *codes);

// Symmetric INT8 with one FP16 scale: S = fp16(absmax / 127), q = clamp(rne(x * (1/S)), +-127).
uint16_t quantize_int8(const float *values, size_t count, int8_t *out);

}  // namespace mantsim
