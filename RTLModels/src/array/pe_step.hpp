// The arithmetic of one PE step and of the SAC row's integer part, in one place: the array's
// weight- and output-stationary steps use it, and the Verilog PEs (RTLModels/verilog) are
// co-simulated against it bit for bit.
#pragma once

#include <cstdint>

namespace mantsim::pe_step {

// An integer PE (INT, ANT, OliVe, BitFusion, and each of M-ANT's two lanes): the partial sum from
// above plus the decoded weight times the activation, in 32-bit integers.
inline int32_t integer(int32_t above, int16_t weight, int16_t activation) { return above + weight * activation; }

// An FP16-datapath PE: the FP32 sum from above plus the product of two FP16 values, which is exact
// in FP32, so the step rounds once (to nearest even).
inline float fp16(float above, float weight, float activation) { return above + weight * activation; }

// M-ANT's SAC row before its scale: a x M + H (a = 1 for a linear group and for every other kind).
inline int32_t sac_integer(int32_t a, int32_t m, int32_t h) { return a * m + h; }

}  // namespace mantsim::pe_step
