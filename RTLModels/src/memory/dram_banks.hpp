// DRAM channels of one standard with a row buffer per bank (mantsim_dram_timing documents the
// rules). Transfers are scheduled in the order they are queued: each burst takes the first slot
// its bank and its channel's data bus allow, and a transfer finishes with its last burst.
// Consecutive bursts of one row segment are handled at once: after the segment's first burst
// (hit or miss) the rest are hits, one bus slot apart.
#pragma once

#include <cstdint>
#include <vector>

#include "mantsim_rtl.h"

namespace mantsim {

class DramBanks {
  public:
    void reset(const mantsim_dram_timing &timing);
    bool enabled() const { return timing_.channels > 0; }
    // Schedules `bytes` from `address` on, no earlier than `start_ps`; returns when the last
    // burst's data has moved, in picoseconds.
    uint64_t transfer(uint64_t address, uint64_t bytes, uint64_t start_ps);
    // Picoseconds the channels' buses moved data, summed over channels; bursts; activations.
    uint64_t bus_busy_ps() const { return bus_busy_ps_; }
    uint64_t row_activations() const { return activations_; }
    uint64_t burst_bytes() const { return burst_bytes_; }
    const mantsim_dram_timing &timing() const { return timing_; }

  private:
    struct Bank {
        int64_t open_row = -1;
        uint64_t cas_ready = 0;    // earliest next read to the open row
        uint64_t data_end = 0;     // when its last burst's data has moved
    };
    uint64_t segment(uint32_t channel, uint32_t bank, int64_t row, uint64_t bursts, uint64_t start_ps);

    mantsim_dram_timing timing_{};
    uint64_t burst_bytes_ = 0, burst_ps_ = 0, bursts_per_row_ = 0;
    std::vector<Bank> banks_;          // channel x bank
    std::vector<uint64_t> bus_free_;   // per channel
    uint64_t bus_busy_ps_ = 0, activations_ = 0;
};

// The timing's fields checked: throws std::invalid_argument naming the field at fault.
void check_dram_timing(const mantsim_dram_timing &timing);

}  // namespace mantsim
