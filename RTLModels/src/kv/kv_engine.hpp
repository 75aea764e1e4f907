// The two-stage real-time KV-cache quantization engine of one KV head: a clocked block that
// quantizes each arriving token's K and V vectors and requantizes each full V window, writing
// the results behind it to DRAM. Timing and arithmetic: RTLModels/README.md.
#pragma once

#include <systemc>

#include <cstdint>
#include <vector>

#include "common/counters.hpp"
#include "kv/kv_quantizers.hpp"
#include "memory/dram_channel.hpp"

namespace mantsim {

// The engine of one KV head: K groups along the head dimension, V windows, lanes and latency, and
// its DRAM write port (or a part's channels).
struct KVConfig {
    uint32_t head_dim = 0, key_group = 0, window = 0, window_capacity = 0;
    uint32_t lanes = 0, latency_cycles = 0, dram_bits_per_cycle = 0;
    DramTiming dram_timing;
};

// A stream of new tokens and where their codes go (closed = tokens / window * window).
struct KVJob {
    uint32_t tokens = 0;
    const float *keys = nullptr, *values = nullptr;
    uint16_t *key_codes = nullptr, *key_scales = nullptr;
    uint8_t *key_selectors = nullptr;
    uint16_t *value_codes = nullptr, *value_scales = nullptr;
    uint8_t *value_selectors = nullptr;
    int8_t *open_values = nullptr;
    uint16_t *open_scales = nullptr;
    const uint16_t *mant_coefficients = nullptr;
    uint32_t mant_coefficient_count = 0;
};

struct KVResult {
    uint64_t total_cycles = 0, engine_cycles = 0, last_token_cycles = 0;
};

struct KVEngine : sc_core::sc_module {
    sc_core::sc_in<bool> clk;

    explicit KVEngine(sc_core::sc_module_name name);

    // Checks and takes a job; throws std::invalid_argument naming the field at fault.
    void prepare(const KVConfig &config, const KVJob &job, uint64_t period_ps);
    void start() { start_requested_ = true; }
    bool finished() const { return finished_; }
    KVResult result() const { return result_; }
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

    KVConfig config_{};
    KVJob job_{};
    uint64_t period_ps_ = 2000;
    bool start_requested_ = false;
    bool finished_ = false;
    uint64_t now_ = 0;
    DramChannel dram_;
    size_t closed_windows_ = 0;
    std::vector<int8_t> window_values_;    // open tokens x head_dim
    std::vector<uint16_t> window_scales_;  // open tokens
    KVResult result_{};
    Mant4Grids grids_;
    std::array<uint64_t, MANTSIM_COUNTER_COUNT> counters_{};
};

}  // namespace mantsim
