// The same quantized GEMM as the array computes, as a plain loop (mantsim_native_gemm's body).
#pragma once

#include "common/job.hpp"

namespace mantsim {

// Writes job.output; throws std::invalid_argument naming the field when the job is malformed.
void native_gemm(const ArraySpec &config, const GemmJob &job);

}  // namespace mantsim
