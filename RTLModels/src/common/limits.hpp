// The bounds the model accepts for an array, exported through mantsim_array_limits(): the model's
// checks (control/accelerator.cpp) and Swift's config reader take them from here.
#pragma once

#include "mantsim_rtl.h"

namespace mantsim {

constexpr mantsim_array_limits kArrayLimits{
    2, 4096,          // PEs per side
    2, 8,             // weight registers per PE
    uint64_t(1) << 30, // bytes per on-chip buffer (the model sizes its rings and queues from them)
    4096, 4096,       // banks per buffer port, bits per bank
    1u << 20,         // DRAM bits per cycle (the ideal interface)
    1000000,          // DRAM latency cycles
    1u << 24,         // weight-link bits per cycle
};

}  // namespace mantsim
