#include "memory/activation_streamer.hpp"

#include <algorithm>

#include "kinds/decoders.hpp"

namespace mantsim {

void ActivationStreamer::start(const ArraySpec &config, const GemmJob &job, const TileOrder &order,
                               DramChannel &dram) {
    order_ = &order;
    dram_ = &dram;
    activation_bits_ = job.activation_bits;
    scale_bits_ = float_datapath(config.pe_type) ? 0 : 16;
    size_t m0, mt, k0, klen;
    order.rows_extent(0, m0, mt, k0, klen);
    double_buffered_ = 2 * mt * (klen * activation_bits_ + scale_bits_) <= config.activation_buffer_bytes * 8;
    write_bits_ = 0;
    prefetched_ = SIZE_MAX;
}

size_t ActivationStreamer::request(size_t unit) {
    size_t m0, mt, k0, klen;
    order_->rows_extent(unit, m0, mt, k0, klen);
    const uint64_t bits = static_cast<uint64_t>(mt) * (klen * activation_bits_ + scale_bits_);
    write_bits_ += bits;
    return dram_->request(bits, false, DramChannel::ACTIVATIONS);
}

size_t ActivationStreamer::rows(size_t unit) { return prefetched_ == unit ? prefetched_ticket_ : request(unit); }

void ActivationStreamer::started(size_t unit) {
    if (!double_buffered_ || unit + 1 >= order_->rows_units()) return;
    prefetched_ = unit + 1;
    prefetched_ticket_ = request(unit + 1);
}

}  // namespace mantsim
