// DRAM channels of one standard with a row buffer per bank, as the model's blocks read them
// (RTLModels/README.md gives the rules). Zero channels: the ideal interface instead.
#pragma once

#include <cstdint>

namespace mantsim {

struct DramTiming {
    uint32_t channels = 0, banks = 0;
    uint32_t bus_bits = 0, burst_length = 0, row_bytes = 0;
    uint32_t tck_ps = 0;
    uint32_t cl = 0, trcd = 0, trp = 0;  // in tCK
    uint32_t cycle_ps = 0;               // the accelerator's clock period
};

}  // namespace mantsim
