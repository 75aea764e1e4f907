// The controller's tile scheduler: when each tile issues into the array, and what it moves.
#include <algorithm>

#include "control/accelerator.hpp"
#include "kinds/pe_kind.hpp"

#pragma STDC FP_CONTRACT OFF

namespace mantsim {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

// Bits per output a WS tile reads at the top of a column (none for the first K tile) and writes at
// the bottom: the FP32 sum and, while a group is unfinished, its integer lanes (two on M-ANT).
void Accelerator::partial_sum_bits(const Tile &tile, uint64_t &in, uint64_t &out) const {
    const bool grouped = scales_in_sac(config_);
    const size_t g = job_.group_size, last = tile.k0 + tile.kt - 1;
    const bool carry_in = grouped && tile.k0 % g != 0;
    const bool carry_out = grouped && !((last + 1) % g == 0 || last + 1 == job_.k);
    const uint64_t lanes = pe_kind(config_.pe_type).shift_lane ? 2 : 1;
    in = tile.k0 == 0 ? 0 : 32 + (carry_in ? 32 * lanes : 0);
    out = 32 + (carry_out ? 32 * lanes : 0);
}

// Cycles a tile occupies the array's input edge: one token (WS) or K step (OS) per cycle, or
// longer when a buffer port cannot deliver that much each cycle.
uint64_t Accelerator::stream_cycles(const Tile &tile) const {
    const uint64_t abuf = static_cast<uint64_t>(config_.activation_buffer_banks) * config_.activation_buffer_bank_bits;
    const uint64_t obuf = static_cast<uint64_t>(config_.output_buffer_banks) * config_.output_buffer_bank_bits;
    const uint64_t wbuf = static_cast<uint64_t>(config_.weight_buffer_banks) * config_.weight_buffer_bank_bits;
    const uint64_t activations = static_cast<uint64_t>(tile.mt) * tile.kt * job_.activation_bits;
    if (!ws_) {
        const uint64_t weights = static_cast<uint64_t>(tile.kt) * tile.nt * job_.weight_bits;
        return std::max({static_cast<uint64_t>(tile.kt), ceil_div(activations, abuf), ceil_div(weights, wbuf)});
    }
    uint64_t in = 0, out = 0;
    partial_sum_bits(tile, in, out);
    const uint64_t sums = static_cast<uint64_t>(tile.mt) * tile.nt * (in + out);
    return std::max({static_cast<uint64_t>(tile.mt), ceil_div(activations, abuf), ceil_div(sums, obuf)});
}

// Cycles from a tile's first input until its last result leaves the array.
uint64_t Accelerator::span_cycles(const Tile &tile) const {
    return (ws_ ? tile.mt : tile.kt) + config_.rows + config_.columns - 2;
}

const Accelerator::DecodeCost &Accelerator::decode(size_t index, const Tile &tile) {
    // Every M tile decodes the same weight tiles again: cost them once per (N tile, K tile).
    const size_t slot = index % order_.per_m_tile();
    if (decode_costs_.size() != order_.per_m_tile()) {
        decode_costs_.assign(order_.per_m_tile(), DecodeCost{});
        decoded_.assign(order_.per_m_tile(), false);
    }
    if (!decoded_[slot]) {
        decode_costs_[slot] = decode_cost(tile);
        decoded_[slot] = true;
    }
    return decode_costs_[slot];
}

// The earliest cycle tile `index` may issue as far as its weights go (its data is on chip).
// Pipelined WS: each row of a weight set is written over the link once the tile that used it
// (weight_sets tiles ago) has left that row, and must hold its weights by the cycle the tile's first token
// reaches it. Serial WS: the fold preloads after the previous fold has drained. OS streams its
// weights from the WBUF as it computes.
uint64_t Accelerator::weights_ready(size_t index, const Tile &tile) {
    const uint64_t data = dram_.completed_at(streamer_.ready_ticket(index));
    if (!ws_) return data;
    const uint64_t wbuf = static_cast<uint64_t>(config_.weight_buffer_banks) * config_.weight_buffer_bank_bits;
    const uint64_t link = std::min<uint64_t>(config_.weight_link_bits, wbuf);
    uint64_t load = std::max<uint64_t>(1, ceil_div(streamer_.code_bits(tile), link));
    if (pe_kind(config_.pe_type).codebook) load = std::max(load, decode(index, tile).cycles);
    if (serial_) {
        const uint64_t start = std::max(data, last_end_ + last_drain_);
        return start + std::max<uint64_t>(config_.rows, load);
    }
    // Rows load in order, each taking load / kt cycles: time is kept in units of 1 / kt cycle.
    const std::vector<uint64_t> &free = row_free_[index % row_free_.size()];
    const uint64_t kt = tile.kt;
    uint64_t written = std::max(data, link_free_) * kt, ready = 0;
    for (uint64_t r = 0; r < kt; ++r) {
        written = std::max(written, free[r] * kt) + load;
        const uint64_t row_ready = ceil_div(written, kt);
        ready = std::max(ready, row_ready > r ? row_ready - r : 0);
    }
    link_free_ = ceil_div(written, kt);
    return ready;
}

void Accelerator::run_job() {
    const size_t count = order_.count();
    last_issue_ = last_stream_ = last_end_ = last_drain_ = link_free_ = busy_until_ = 0;
    any_issued_ = false;
    row_free_.assign(config_.weight_sets, std::vector<uint64_t>(config_.rows, 0));
    n_issue_.assign(order_.n_tiles(), 0);
    tile_cache_.clear();
    shift_weights_.assign(fast_ ? order_.per_m_tile() : 0, UINT64_MAX);
    decode_costs_.clear();
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
        uint64_t at = std::max({cycles_, by_weights, rows_ready});
        if (any_issued_) at = std::max(at, serial_ ? last_end_ + last_drain_ : last_issue_ + last_stream_);
        if (ws_ && tile.k0 > 0) at = std::max(at, n_issue_[order_.n_index(index)] + config_.rows);
        if (!ws_ && any_issued_) {
            // OS: the previous tile's outputs must have drained from the shadow output registers
            // before this tile's own results need them.
            const uint64_t span = span_cycles(tile);
            if (last_end_ + last_drain_ > at + span) at = last_end_ + last_drain_ - span;
        }
        advance_to(at, at == by_weights && at > cycles_ && ws_ ? preload_ : buffer_stall_);
        // The previous load's last tile has streamed its tokens: its half of the ABUF is free.
        if (first_reader) rows_.started(unit);
        issue(index, tile);
    }
    advance_to(busy_until_, buffer_stall_);
    fire_completions();
    if (!dram_.idle()) advance(UINT64_MAX, dram_.last_ticket(), drain_);
}

void Accelerator::issue(size_t index, const Tile &tile) {
    const uint64_t now = cycles_, stream = stream_cycles(tile), span = span_cycles(tile);
    streamer_.issued(index);
    count_issue(tile);
    if (pe_kind(config_.pe_type).codebook) {
        const DecodeCost &cost = decode(index, tile);
        codebook_reads_ += cost.bank_reads;
        hot_reads_ += cost.hot_reads;
        conflict_cycles_ += cost.conflict_cycles;
        decoder_cycles_ += cost.cycles;
    }
    trace_wbuf_ = streamer_.tile_bits(tile);
    last_issue_ = now;
    last_stream_ = stream;
    last_end_ = now + std::max(span, stream + config_.rows + config_.columns - 2);
    const uint64_t obuf = static_cast<uint64_t>(config_.output_buffer_banks) * config_.output_buffer_bank_bits;
    // OS: the outputs drain through the OBUF port from the last K chunk's last cycle on.
    const bool last_k = tile.k0 + tile.kt == job_.k;
    last_drain_ = ws_ || !last_k ? 0 : ceil_div(static_cast<uint64_t>(tile.mt) * tile.nt * 32, obuf) - 1;
    any_issued_ = true;
    if (ws_) {
        std::vector<uint64_t> &free = row_free_[index % row_free_.size()];
        for (size_t r = 0; r < tile.kt; ++r) free[r] = now + stream + r + config_.columns - 1;
        n_issue_[order_.n_index(index)] = now;
    }
    busy_until_ = std::max(busy_until_, now + span);
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
    tiles_ += 1;
}

// What a tile moves through the buffers, the link and the decoders.
void Accelerator::count_issue(const Tile &tile) {
    const uint64_t values = static_cast<uint64_t>(tile.nt) * tile.kt;
    wbuf_read_ += streamer_.tile_bits(tile);
    link_bits_ += ws_ ? streamer_.code_bits(tile) : 0;
    metadata_bits_ += streamer_.metadata_bits(tile);
    const PEKind &kind = pe_kind(config_.pe_type);
    if (kind.codebook) residual_adds_ += values * (job_.vq.stages - 1);
    if (kind.decodes_codes) decoder_lookups_ += values;
    if (config_.pe_type == MANTSIM_PE_LUT && !scales_in_sac(config_)) decoder_scales_ += values;
    abuf_read_ += static_cast<uint64_t>(tile.mt) * tile.kt * job_.activation_bits;
    const uint64_t outputs = static_cast<uint64_t>(tile.mt) * tile.nt;
    if (!ws_) {
        // OS: the sums stay in the PEs across K chunks; the last chunk's leave for the OBUF.
        const uint64_t bits = tile.k0 + tile.kt == job_.k ? outputs * 32 : 0;
        obuf_write_ += bits;
        trace_obuf_ = bits;
        return;
    }
    uint64_t in = 0, out = 0;
    partial_sum_bits(tile, in, out);
    obuf_read_ += outputs * in;
    obuf_write_ += outputs * out;
    trace_obuf_ = outputs * out;
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
        const uint64_t span = span_cycles(tile);
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
    if (!fp16) output_scales_ += outputs;
    obuf_read_ += outputs * 32;
    dram_.request(outputs * 32, true, DramChannel::OUTPUTS);
}

}  // namespace mantsim
