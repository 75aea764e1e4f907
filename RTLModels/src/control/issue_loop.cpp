// The controller's issue loop: each tile of the job's order waits for its activations and weights,
// issues when the tile scheduler allows, and completes when its last result leaves the array.
#include <algorithm>

#include "control/accelerator.hpp"
#include "kinds/pe_kind.hpp"

#pragma STDC FP_CONTRACT OFF

namespace mantsim {

// The earliest cycle tile `index` may issue as far as its weights go (its data is on chip).
uint64_t Accelerator::weights_ready(size_t index, const Tile &tile) {
    const uint64_t data = dram_.completed_at(streamer_.ready_ticket(index));
    const uint64_t decode = codebook_ ? vq_.cost(index, tile).cycles : 0;
    return scheduler_.weights_ready(index, tile, data, streamer_.code_bits(tile), decode);
}

void Accelerator::run_job() {
    const size_t count = order_.count();
    scheduler_.start(config_, job_, order_);
    if (codebook_) vq_.start(config_, job_, order_.per_m_tile());
    tile_cache_.clear();
    shift_weights_.assign(fast_ ? order_.per_m_tile() : 0, UINT64_MAX);
    // The first activations go ahead of the weight prefetch.
    rows_.start(config_, job_, order_, dram_);
    size_t rows_ticket = rows_.rows(0);
    streamer_.prefetch(0);
    uint64_t rows_ready = 0;
    for (size_t index = 0; index < count; ++index) {
        const Tile tile = order_.at(index);
        bool first_reader = false;
        const size_t unit = order_.rows_unit(index, first_reader);
        if (first_reader) {
            if (unit > 0) rows_ticket = rows_.rows(unit);
            wait_for(rows_ticket);
            rows_ready = dram_.completed_at(rows_ticket);
        }
        wait_for(streamer_.ready_ticket(index));
        const uint64_t by_weights = weights_ready(index, tile);
        const uint64_t at = scheduler_.earliest(index, tile, std::max({activity_.cycles, by_weights, rows_ready}));
        advance_to(at, at == by_weights && at > activity_.cycles && ws_ ? activity_.preload : activity_.buffer_stall);
        // The previous load's last tile has streamed its tokens: its half of the ABUF is free.
        if (first_reader) rows_.started(unit);
        issue(index, tile);
    }
    advance_to(scheduler_.busy_until(), activity_.buffer_stall);
    fire_completions();
    if (!dram_.idle()) advance(UINT64_MAX, dram_.last_ticket(), activity_.drain);
}

void Accelerator::issue(size_t index, const Tile &tile) {
    const uint64_t now = activity_.cycles, span = scheduler_.span_cycles(tile);
    streamer_.issued(index);
    count_issue(tile);
    if (codebook_) vq_.issued(index, tile);
    sample_.wbuf_bits = streamer_.tile_bits(tile);
    scheduler_.issued(index, tile, now);
    size_t plane = 0;
    while (plane < flight_.size() && flight_[plane].active) ++plane;
    if (plane == flight_.size()) {
        flight_.emplace_back();
        if (!fast_) {
            arrays_.emplace_back();
            arrays_.back().configure(config_, job_, weights_, accumulators_.data(), shared_);
        }
    }
    flight_[plane] = InFlight{true, tile, index, now, span};
    if (fast_) {
        replay_tile(tile, index);
    } else {
        arrays_[plane].begin_tile(tile);
    }
    activity_.tiles += 1;
}

// What a tile moves through the buffers, the link and the decoders.
void Accelerator::count_issue(const Tile &tile) {
    const uint64_t values = static_cast<uint64_t>(tile.nt) * tile.kt;
    activity_.wbuf_read += streamer_.tile_bits(tile);
    activity_.link_bits += ws_ ? streamer_.code_bits(tile) : 0;
    activity_.metadata_bits += streamer_.metadata_bits(tile);
    if (pe_kind(config_.pe_type).decodes_codes) activity_.decoder_lookups += values;
    if (config_.pe_type == MANTSIM_PE_LUT && !scales_in_sac(config_)) activity_.decoder_scales += values;
    activity_.abuf_read += static_cast<uint64_t>(tile.mt) * tile.kt * job_.activation_bits;
    const uint64_t outputs = static_cast<uint64_t>(tile.mt) * tile.nt;
    if (!ws_) {
        // OS: the sums stay in the PEs across K chunks; the last chunk's leave for the OBUF.
        const uint64_t bits = tile.k0 + tile.kt == job_.k ? outputs * 32 : 0;
        activity_.obuf_write += bits;
        sample_.obuf_bits = bits;
        return;
    }
    uint64_t in = 0, out = 0;
    scheduler_.partial_sum_bits(tile, in, out);
    activity_.obuf_read += outputs * in;
    activity_.obuf_write += outputs * out;
    sample_.obuf_bits = outputs * out;
}

// Fast fidelity: the first tile of each shape steps the recorder off the clock; later tiles add
// its counts (shift-adds depend on each tile's own selectors, so they are counted from its weights).
void Accelerator::replay_tile(const Tile &tile, size_t index) {
    const TileKey key{tile.mt, tile.kt, tile.nt, tile.k0 % job_.group_size, tile.k0 == 0, tile.k0 + tile.kt == job_.k};
    auto cached = tile_cache_.find(key);
    if (cached == tile_cache_.end()) {
        CounterArray before{}, after{};
        recorder_.report(before);
        recorder_.begin_tile(tile);
        const uint64_t span = scheduler_.span_cycles(tile);
        for (uint64_t t = 0; t < span; ++t) recorder_.step(t);
        recorder_.report(after);
        CounterArray delta{};
        for (size_t c = 0; c < delta.size(); ++c) delta[c] = after[c] - before[c];
        tile_cache_.emplace(key, delta);
        return;
    }
    CounterArray counts = cached->second;
    uint64_t &shifting = shift_weights_[index % shift_weights_.size()];
    if (shifting == UINT64_MAX) shifting = recorder_.shift_weights(tile);
    counts[MANTSIM_COUNTER_SHIFT_ADD] = static_cast<uint64_t>(tile.mt) * shifting;
    recorder_.add_counters(counts);
}

// A tile's last result has left the array: final outputs are scaled and written back to DRAM.
void Accelerator::complete(size_t plane) {
    InFlight &done = flight_[plane];
    done.active = false;
    const Tile &tile = done.tile;
    if (tile.k0 + tile.kt != job_.k) return;
    const bool fp16 = float_datapath(config_.pe_type);
    const size_t n = job_.n;
    for (size_t m = tile.m0; m < (fast_ ? tile.m0 : tile.m0 + tile.mt); ++m) {
        const float scale = fp16 ? 1.0f : half_to_float(activation_scales_[m]);
        for (size_t c = tile.n0; c < tile.n0 + tile.nt; ++c) {
            const float acc = accumulators_[m * n + c];
            output_[m * n + c] = fp16 ? acc : acc * scale;
        }
    }
    const uint64_t outputs = static_cast<uint64_t>(tile.mt) * tile.nt;
    if (!fp16) activity_.output_scales += outputs;
    activity_.obuf_read += outputs * 32;
    dram_.request(outputs * 32, true, DramChannel::OUTPUTS);
}

}  // namespace mantsim
