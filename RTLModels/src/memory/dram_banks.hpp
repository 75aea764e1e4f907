// DRAM channels of one standard with a row buffer per bank (the rules: RTLModels/README.md). Transfers are scheduled in the order they are queued: each burst takes the first slot
// its bank and its channel's data bus allow, and a transfer finishes with its last burst.
// Consecutive bursts of one row segment are handled at once: after the segment's first burst
// (hit or miss) the rest are hits, one bus slot apart.
#pragma once

#include <cstdint>
#include <vector>

#include "common/dram_timing.hpp"

namespace mantsim {

// The commands a run of transfers issued, and its channels' standby time (summed over channels).
struct DramActivity {
    uint64_t activates = 0, precharges = 0, read_bursts = 0, write_bursts = 0;
    uint64_t active_standby_ps = 0, precharged_standby_ps = 0;
};

class DramBanks {
  public:
    void reset(const DramTiming &timing);
    bool enabled() const { return timing_.channels > 0; }
    // Schedules `bytes` from `address` on, no earlier than `start_ps`, as reads or writes; returns
    // when the last burst's data has moved, in picoseconds.
    uint64_t transfer(uint64_t address, uint64_t bytes, uint64_t start_ps, bool write = false);
    // Picoseconds the channels' buses moved data, summed over channels; bursts; activations.
    uint64_t bus_busy_ps() const { return bus_busy_ps_; }
    uint64_t row_activations() const { return activations_; }
    uint64_t burst_bytes() const { return burst_bytes_; }
    const DramTiming &timing() const { return timing_; }
    // The commands issued so far, and the time from 0 to `end_ps` each channel spent with a row
    // open (active standby) and with every bank closed (precharged standby), summed over channels.
    // Rows stay open until another row of their bank is needed (open-page policy), so a channel is
    // precharged until its first activation and active from then on.
    DramActivity activity(uint64_t end_ps) const;

  private:
    struct Bank {
        int64_t open_row = -1;
        uint64_t cas_ready = 0;    // earliest next read to the open row
        uint64_t data_end = 0;     // when its last burst's data has moved
    };
    uint64_t segment(uint32_t channel, uint32_t bank, int64_t row, uint64_t bursts, uint64_t start_ps, bool write);

    DramTiming timing_{};
    uint64_t burst_bytes_ = 0, burst_ps_ = 0, bursts_per_row_ = 0;
    std::vector<Bank> banks_;          // channel x bank
    std::vector<uint64_t> bus_free_;   // per channel
    uint64_t bus_busy_ps_ = 0, activations_ = 0, precharges_ = 0, read_bursts_ = 0, write_bursts_ = 0;
    std::vector<uint64_t> first_activation_ps_;  // per channel; UINT64_MAX until one
};

// The timing's fields checked: throws std::invalid_argument naming the field at fault.
void check_dram_timing(const DramTiming &timing);

}  // namespace mantsim
