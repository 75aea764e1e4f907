// The boundary's conversions between the C structs of mantsim_rtl.h and the model's own types.
// The kind-specific members are read only for the kind that owns them.
#pragma once

#include "common/job.hpp"
#include "control/accelerator.hpp"
#include "kv/kv_engine.hpp"
#include "memory/dram_banks.hpp"
#include "mantsim_rtl.h"

namespace mantsim {

DramTiming dram_timing(const mantsim_dram_timing &timing);
// The array's PE type as stored (any value; the model's checks name a bad one).
int32_t pe_type(const mantsim_array_config &config);
ArraySpec array_spec(const mantsim_array_config &config);
GemmJob gemm_job(const mantsim_gemm_job &job, int32_t pe_type);
KVConfig kv_config(const mantsim_kv_config &config);
KVJob kv_job(const mantsim_kv_job &job);

mantsim_gemm_result gemm_result(const JobSummary &summary);
mantsim_kv_result kv_result(const KVResult &result);
mantsim_dram_activity dram_activity(const DramActivity &activity);

}  // namespace mantsim
