// The same quantized GEMM as the array computes, as a plain loop (mantsim_native_gemm's body).
#pragma once

#include "mantsim_rtl.h"

namespace mantsim {

// Writes job->output; throws std::invalid_argument naming the field when the job is malformed.
void native_gemm(const mantsim_array_config *config, const mantsim_gemm_job *job);

}  // namespace mantsim
