// The two-stage real-time KV-cache quantization engine of one KV head: a clocked block that
// quantizes each arriving token's K and V vectors and requantizes each full V window, writing
// the results behind it to DRAM. Timing and arithmetic: mantsim_rtl.h (mantsim_kv_config).
#pragma once

#include <systemc>

#include <cstdint>
#include <vector>

#include "common/counters.hpp"
#include "memory/dram_channel.hpp"
#include "mantsim_rtl.h"

namespace mantsim {

struct KVEngine : sc_core::sc_module {
    sc_core::sc_in<bool> clk;

    explicit KVEngine(sc_core::sc_module_name name);

    // Checks and takes a job; throws std::invalid_argument naming the field at fault.
    void prepare(const mantsim_kv_config &config, const mantsim_kv_job &job, uint64_t period_ps);
    void start() { start_requested_ = true; }
    bool finished() const { return finished_; }
    mantsim_kv_result result() const { return result_; }
    void clear_counters() {
        counters_.fill(0);
        dram_.reset(config_.dram_bits_per_cycle, 0);
    }
    void report(CounterArray &counters) const;

  private:
    void run();
    void run_job();
    // Advances the engine by `cycles` of work.
    void work(uint64_t cycles);
    // Queues `bits` on the DRAM write port at the current cycle: the array's DramChannel model, a
    // channel of its own at dram_bits_per_cycle whose posted writes wait for no latency.
    void write_back(uint64_t bits);
    void flush_window();
    uint64_t pass(uint64_t operations) const { return (operations + config_.lanes - 1) / config_.lanes; }

    mantsim_kv_config config_{};
    mantsim_kv_job job_{};
    uint64_t period_ps_ = 2000;
    bool start_requested_ = false;
    bool finished_ = false;
    uint64_t now_ = 0;
    DramChannel dram_;
    size_t closed_windows_ = 0;
    std::vector<int8_t> window_values_;    // open tokens x head_dim
    std::vector<uint16_t> window_scales_;  // open tokens
    mantsim_kv_result result_{};
    std::array<uint64_t, MANTSIM_COUNTER_COUNT> counters_{};
};

}  // namespace mantsim
