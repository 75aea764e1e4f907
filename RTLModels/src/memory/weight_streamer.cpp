#include "memory/weight_streamer.hpp"

#include <algorithm>

#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }
}  // namespace

void WeightStreamer::start(const ArraySpec &config, const GemmJob &job, const TileOrder &order,
                           DramChannel &dram) {
    config_ = &config;
    job_ = &job;
    order_ = &order;
    dram_ = &dram;
    vq_ = pe_kind(config.pe_type).codebook;
    metadata_ = pe_kind(config.pe_type).group_metadata;
    const VQLayout layout(job);
    set_bits_ = vq_ ? static_cast<uint64_t>(layout.set_values()) * 16 : 0;
    hot_bits_ = vq_ ? static_cast<uint64_t>(layout.stages) * config.vq.hot_entries * layout.v * 16 : 0;
    slots_ = vq_ ? static_cast<size_t>(config.vq.codebook_bytes * 8 / set_bits_) : 0;
    // The WBUF is a ring of weight tiles: keep as many in flight or resident as it holds. Weight
    // tiles do not depend on M, and the first N tile is the widest.
    uint64_t largest = 1;
    for (size_t ki = 0; ki < order.k_tiles(); ++ki) {
        Tile tile;
        tile.nt = std::min(order.n, order.columns);
        tile.k0 = ki * order.k_step;
        tile.kt = std::min(order.k_step, order.k - tile.k0);
        largest = std::max(largest, tile_bits(tile));
    }
    depth_ = std::max<size_t>(2, static_cast<size_t>(config.weight_buffer_bytes * 8 / largest));
    total_bits_ = 0;
    for (size_t index = 0; index < order.per_m_tile(); ++index) total_bits_ += tile_bits(order.at(index));
    // Codebook scopes come and go with the tiles: a VQ array keeps streaming.
    resident_ = !vq_ && order.m_tiles() > 1 && total_bits_ <= config.weight_buffer_bytes * 8;
    if (resident_) depth_ = order.per_m_tile();
    ready_.assign(resident_ ? order.per_m_tile() : depth_ + 2, 0);
    next_ = in_use_ = book_ticket_ = 0;
    wbuf_write_ = codebook_write_bits_ = codebook_loads_ = 0;
}

uint64_t WeightStreamer::code_bits(const Tile &tile) const {
    if (vq_) return static_cast<uint64_t>(tile.nt) * tile.kt / job_->vq.vector_length * job_->vq.stages * job_->weight_bits;
    return static_cast<uint64_t>(tile.nt) * tile.kt * job_->weight_bits;
}

uint64_t WeightStreamer::metadata_bits(const Tile &tile) const {
    if (!metadata_) return 0;
    // Metadata of every group that starts inside the tile's K range.
    const size_t g = job_->group_size;
    const size_t first = ceil_div(tile.k0, g), last = ceil_div(tile.k0 + tile.kt, g);
    return static_cast<uint64_t>(tile.nt) * (last - first) * job_->metadata_bits;
}

bool WeightStreamer::new_scope(size_t index) const {
    if (!vq_) return false;
    if (index == 0) return true;
    const VQLayout layout(*job_);
    const Tile a = order_->at(index - 1), b = order_->at(index);
    return layout.scope_of(a.n0 % layout.rows, a.k0) != layout.scope_of(b.n0 % layout.rows, b.k0);
}

bool WeightStreamer::request(size_t index) {
    if (new_scope(index)) {
        if (in_use_ == slots_) return false;
        in_use_ += 1;
        book_ticket_ = dram_->request(set_bits_ + hot_bits_, false);
        codebook_write_bits_ += set_bits_ + hot_bits_;
        codebook_loads_ += 1;
    }
    const uint64_t bits = tile_bits(order_->at(index));
    const size_t ticket = dram_->request(bits, false);
    ready_[index % ready_.size()] = vq_ ? std::max(book_ticket_, ticket) : ticket;
    wbuf_write_ += bits;
    next_ = index + 1;
    return true;
}

void WeightStreamer::prefetch(size_t current) {
    const size_t count = resident_ ? order_->per_m_tile() : order_->count();
    while (next_ < count && next_ < current + depth_ && request(next_)) {
    }
}

void WeightStreamer::issued(size_t index) {
    const bool last_of_scope = vq_ && (index + 1 == order_->count() || new_scope(index + 1));
    if (last_of_scope) in_use_ -= 1;
    prefetch(index + 1);
}

void WeightStreamer::report(CounterArray &counters) const {
    counters[MANTSIM_COUNTER_WBUF_WRITE_BITS] += wbuf_write_;
    counters[MANTSIM_COUNTER_DECODER_CODEBOOK_WRITE_BITS] += codebook_write_bits_;
    counters[MANTSIM_COUNTER_DECODER_CODEBOOK_LOADS] += codebook_loads_;
}

}  // namespace mantsim
