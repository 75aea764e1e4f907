// IEEE binary16 conversions, as MantSim's Swift MiniFloat.fp16 defines them: the one place the
// model turns FP16 bits into binary32 and back (decoders, PEs, the KV engine).
#pragma once

#include <cstdint>

namespace mantsim {

// FP16 bits -> binary32, exactly (subnormals, infinities and NaN kept).
float half_to_float(uint16_t bits);

// binary32 -> FP16 bits, round to nearest even; `saturate` clamps finite overflow to 65504.
uint16_t float_to_half(float value, bool saturate);

}  // namespace mantsim
