#include "kv/kv_engine.hpp"
#include "common/field_error.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kinds/decoders.hpp"
#include "kv/kv_quantizers.hpp"

#pragma STDC FP_CONTRACT OFF

namespace mantsim {

namespace {

constexpr uint64_t kCandidates = 16, kMetadataBits = 16 + 4;

}  // namespace

KVEngine::KVEngine(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_HAS_PROCESS(KVEngine);
    SC_THREAD(run);
    if (kThreadStackBytes > 0) set_stack_size(kThreadStackBytes);
    sensitive << clk.pos();
    dont_initialize();
}

void KVEngine::prepare(const KVConfig &config, const KVJob &job, uint64_t period_ps) {
    if (config.key_group == 0 || config.head_dim == 0 || config.head_dim % config.key_group != 0) {
        throw field_error("kv.head_dim", "expected a positive multiple of key_group " + std::to_string(config.key_group) + ", got " +
                                             std::to_string(config.head_dim));
    }
    if (config.window == 0) throw field_error("kv.window", "must be at least 1 token");
    if (config.window > config.window_capacity) {
        throw field_error("kv.window", std::to_string(config.window) + " tokens do not fit a window buffer of " +
                                           std::to_string(config.window_capacity) + " tokens");
    }
    if (config.lanes == 0) throw field_error("kv.lanes", "must be positive");
    if (config.dram_bits_per_cycle == 0) throw field_error("kv.dram_bits_per_cycle", "must be positive");
    if (job.tokens > 0 && (job.keys == nullptr || job.values == nullptr)) throw field_error("kv.job", "keys and values are required");
    const bool outputs = job.key_codes && job.key_scales && job.key_selectors && job.open_values && job.open_scales;
    const bool closes = job.tokens >= config.window;
    if (job.tokens > 0 && (!outputs || (closes && !(job.value_codes && job.value_scales && job.value_selectors)))) {
        throw field_error("kv.job", "every output buffer is required");
    }
    const size_t d = config.head_dim;
    for (size_t i = 0; i < static_cast<size_t>(job.tokens) * d; ++i) {
        const float key = job.keys[i], value = job.values[i];
        if (!std::isfinite(key) || !std::isfinite(value)) {
            throw field_error(std::isfinite(key) ? "kv.values" : "kv.keys",
                              "token " + std::to_string(i / d) + ", channel " + std::to_string(i % d) + " is not finite");
        }
    }
    grids_ = Mant4Grids(job.mant_coefficients, job.mant_coefficient_count);
    config_ = config;
    job_ = job;
    period_ps_ = period_ps;
    finished_ = false;
    now_ = 0;
    DramTiming timing = config_.dram_timing;
    if (timing.channels > 0) {
        timing.cycle_ps = uint32_t(std::min<uint64_t>(period_ps, 1000000));
        check_dram_timing(timing);
    }
    dram_.reset(config_.dram_bits_per_cycle, 0, timing);
    closed_windows_ = 0;
    window_values_.clear();
    window_scales_.clear();
    result_ = KVResult{};
    counters_.fill(0);
}

void KVEngine::run() {
    while (true) {
        while (!start_requested_) wait();
        start_requested_ = false;
        run_job();
        finished_ = true;
        sc_core::sc_pause();
    }
}

void KVEngine::work(uint64_t cycles) {
    if (cycles == 0) return;
    now_ += cycles;
    counters_[MANTSIM_COUNTER_KV_CYCLES] += cycles;
    wait(sc_core::sc_time(static_cast<double>(cycles) * static_cast<double>(period_ps_), sc_core::SC_PS));
}

void KVEngine::write_back(uint64_t bits) {
    dram_.advance(now_ - dram_.now());
    dram_.request(bits, true);
}

void KVEngine::run_job() {
    const size_t d = config_.head_dim, g = config_.key_group, groups = d / g, w = config_.window;
    std::vector<float> block(d * w);
    for (size_t token = 0; token < job_.tokens; ++token) {
        const uint64_t before = now_;
        // K path: the exhaustive search, then the codes, one group at a time.
        const float *key = job_.keys + token * d;
        for (size_t group = 0; group < groups; ++group) {
            const MantChoice choice = quantize_mant4_group(grids_, key + group * g, g, job_.key_codes + token * d + group * g);
            job_.key_scales[token * groups + group] = choice.scale_code;
            job_.key_selectors[token * groups + group] = choice.selector;
        }
        counters_[MANTSIM_COUNTER_KV_KEY_VECTORS] += 1;
        counters_[MANTSIM_COUNTER_KV_CANDIDATES] += kCandidates * d;
        counters_[MANTSIM_COUNTER_KV_ENCODES] += d;
        work(pass(kCandidates * d) + pass(d) + config_.latency_cycles);
        write_back(d * 4 + groups * kMetadataBits);

        // V stage 1: INT8 into the window buffer.
        const size_t slot = window_scales_.size();
        window_values_.resize((slot + 1) * d);
        window_scales_.push_back(quantize_int8(job_.values + token * d, d, window_values_.data() + slot * d));
        counters_[MANTSIM_COUNTER_KV_VALUE_VECTORS] += 1;
        counters_[MANTSIM_COUNTER_KV_ENCODES] += d;
        counters_[MANTSIM_COUNTER_KV_WINDOW_WRITE_BITS] += d * 8 + 16;
        work(2 * pass(d) + config_.latency_cycles);
        if (window_scales_.size() == w) flush_window();
        result_.last_token_cycles = now_ - before;
    }
    const size_t open = window_scales_.size();
    std::copy(window_values_.begin(), window_values_.begin() + open * d, job_.open_values);
    std::copy(window_scales_.begin(), window_scales_.end(), job_.open_scales);
    result_.engine_cycles = now_;
    // The job ends when the last quantized vector or window has reached DRAM.
    dram_.advance(now_ - dram_.now());
    if (!dram_.idle()) {
        const uint64_t drain = dram_.advance_until(dram_.last_ticket(), UINT64_MAX);
        now_ += drain;
        wait(sc_core::sc_time(static_cast<double>(drain) * static_cast<double>(period_ps_), sc_core::SC_PS));
    }
    result_.total_cycles = now_;
}

// Stage 2: each channel's window, dequantized in binary32, becomes one M-ANT group; V^T's columns
// [window * closed, window * (closed + 1)) of every channel row.
void KVEngine::flush_window() {
    const size_t d = config_.head_dim, w = config_.window;
    const size_t closed_columns = static_cast<size_t>(job_.tokens) / w * w;
    std::vector<float> channel(w);
    std::vector<uint16_t> codes(w);
    for (size_t c = 0; c < d; ++c) {
        for (size_t t = 0; t < w; ++t) channel[t] = static_cast<float>(window_values_[t * d + c]) * half_to_float(window_scales_[t]);
        const MantChoice choice = quantize_mant4_group(grids_, channel.data(), w, codes.data());
        std::copy(codes.begin(), codes.end(), job_.value_codes + c * closed_columns + closed_windows_ * w);
        const size_t groups_per_row = closed_columns / w;
        job_.value_scales[c * groups_per_row + closed_windows_] = choice.scale_code;
        job_.value_selectors[c * groups_per_row + closed_windows_] = choice.selector;
    }
    counters_[MANTSIM_COUNTER_KV_WINDOW_FLUSHES] += 1;
    counters_[MANTSIM_COUNTER_KV_WINDOW_READ_BITS] += w * (d * 8 + 16);
    counters_[MANTSIM_COUNTER_KV_CANDIDATES] += kCandidates * d * w;
    counters_[MANTSIM_COUNTER_KV_ENCODES] += d * w;
    work(pass(kCandidates * d * w) + pass(d * w) + config_.latency_cycles);
    write_back(d * w * 4 + d * kMetadataBits);
    closed_windows_ += 1;
    window_values_.clear();
    window_scales_.clear();
}

void KVEngine::report(CounterArray &counters) const {
    for (size_t i = 0; i < counters.size(); ++i) counters[i] += counters_[i];
    dram_.report(counters);
}

}  // namespace mantsim
