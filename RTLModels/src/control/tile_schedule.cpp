#include "control/tile_schedule.hpp"
#include "kinds/pe_kind.hpp"

#include <algorithm>

namespace mantsim {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

void TileScheduler::start(const ArraySpec &config, const GemmJob &job, const TileOrder &order) {
    config_ = config;
    k_ = job.k;
    group_size_ = job.group_size;
    activation_bits_ = job.activation_bits;
    weight_bits_ = job.weight_bits;
    order_ = &order;
    ws_ = job.dataflow == MANTSIM_DATAFLOW_WEIGHT_STATIONARY;
    serial_ = config.timing == MANTSIM_TIMING_SERIAL;
    last_issue_ = last_stream_ = last_end_ = last_drain_ = link_free_ = busy_until_ = 0;
    any_issued_ = false;
    row_free_.assign(config.weight_sets, std::vector<uint64_t>(config.rows, 0));
    n_issue_.assign(order.n_tiles(), 0);
}

// None for the first K tile; the FP32 sum and, while a group is unfinished, its integer lanes (two
// on M-ANT).
void TileScheduler::partial_sum_bits(const Tile &tile, uint64_t &in, uint64_t &out) const {
    const bool grouped = scales_in_sac(config_);
    const size_t g = group_size_, last = tile.k0 + tile.kt - 1;
    const bool carry_in = grouped && tile.k0 % g != 0;
    const bool carry_out = grouped && !((last + 1) % g == 0 || last + 1 == k_);
    const uint64_t lanes = pe_kind(config_.pe_type).shift_lane ? 2 : 1;
    in = tile.k0 == 0 ? 0 : 32 + (carry_in ? 32 * lanes : 0);
    out = 32 + (carry_out ? 32 * lanes : 0);
}

// One token (WS) or K step (OS) per cycle, or longer when a buffer port cannot deliver that much
// each cycle.
uint64_t TileScheduler::stream_cycles(const Tile &tile) const {
    const uint64_t abuf = static_cast<uint64_t>(config_.activation_buffer_banks) * config_.activation_buffer_bank_bits;
    const uint64_t obuf = static_cast<uint64_t>(config_.output_buffer_banks) * config_.output_buffer_bank_bits;
    const uint64_t wbuf = static_cast<uint64_t>(config_.weight_buffer_banks) * config_.weight_buffer_bank_bits;
    const uint64_t activations = static_cast<uint64_t>(tile.mt) * tile.kt * activation_bits_;
    if (!ws_) {
        const uint64_t weights = static_cast<uint64_t>(tile.kt) * tile.nt * weight_bits_;
        return std::max({static_cast<uint64_t>(tile.kt), ceil_div(activations, abuf), ceil_div(weights, wbuf)});
    }
    uint64_t in = 0, out = 0;
    partial_sum_bits(tile, in, out);
    const uint64_t sums = static_cast<uint64_t>(tile.mt) * tile.nt * (in + out);
    return std::max({static_cast<uint64_t>(tile.mt), ceil_div(activations, abuf), ceil_div(sums, obuf)});
}

uint64_t TileScheduler::span_cycles(const Tile &tile) const {
    return (ws_ ? tile.mt : tile.kt) + config_.rows + config_.columns - 2;
}

// Pipelined WS: each row of a weight set is written over the link once the tile that used it
// (weight_sets tiles ago) has left that row, and must hold its weights by the cycle the tile's
// first token reaches it. Serial WS: the fold preloads after the previous fold has drained. OS
// streams its weights from the WBUF as it computes.
uint64_t TileScheduler::weights_ready(size_t index, const Tile &tile, uint64_t data, uint64_t code_bits, uint64_t decode_cycles) {
    if (!ws_) return data;
    const uint64_t wbuf = static_cast<uint64_t>(config_.weight_buffer_banks) * config_.weight_buffer_bank_bits;
    const uint64_t link = std::min<uint64_t>(config_.weight_link_bits, wbuf);
    const uint64_t load = std::max({uint64_t(1), ceil_div(code_bits, link), decode_cycles});
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

uint64_t TileScheduler::earliest(size_t index, const Tile &tile, uint64_t at) const {
    if (any_issued_) at = std::max(at, serial_ ? last_end_ + last_drain_ : last_issue_ + last_stream_);
    // A later K tile of an N tile reads the partial sums its previous K tile leaves.
    if (ws_ && tile.k0 > 0) at = std::max(at, n_issue_[order_->n_index(index)] + config_.rows);
    if (!ws_ && any_issued_) {
        // OS: the previous tile's outputs must have drained from the shadow output registers
        // before this tile's own results need them.
        const uint64_t span = span_cycles(tile);
        if (last_end_ + last_drain_ > at + span) at = last_end_ + last_drain_ - span;
    }
    return at;
}

void TileScheduler::issued(size_t index, const Tile &tile, uint64_t now) {
    const uint64_t stream = stream_cycles(tile), span = span_cycles(tile);
    last_issue_ = now;
    last_stream_ = stream;
    last_end_ = now + std::max(span, stream + config_.rows + config_.columns - 2);
    const uint64_t obuf = static_cast<uint64_t>(config_.output_buffer_banks) * config_.output_buffer_bank_bits;
    // OS: the outputs drain through the OBUF port from the last K chunk's last cycle on.
    const bool last_k = tile.k0 + tile.kt == k_;
    last_drain_ = ws_ || !last_k ? 0 : ceil_div(static_cast<uint64_t>(tile.mt) * tile.nt * 32, obuf) - 1;
    any_issued_ = true;
    if (ws_) {
        std::vector<uint64_t> &free = row_free_[index % row_free_.size()];
        for (size_t r = 0; r < tile.kt; ++r) free[r] = now + stream + r + config_.columns - 1;
        n_issue_[order_->n_index(index)] = now;
    }
    busy_until_ = std::max(busy_until_, now + span);
}

}  // namespace mantsim
