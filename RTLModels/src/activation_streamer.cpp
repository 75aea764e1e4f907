#include "activation_streamer.hpp"

#include <algorithm>

#include "decoders.hpp"

namespace mantsim {

void ActivationStreamer::start(const mantsim_array_config &config, const mantsim_gemm_job &job, const TileOrder &order,
                               DramChannel &dram) {
    order_ = &order;
    dram_ = &dram;
    row_bits_ = static_cast<uint64_t>(job.k) * job.activation_bits + (float_datapath(config.pe_type) ? 0 : 16);
    double_buffered_ = 2 * order.m_tile * row_bits_ <= config.activation_buffer_bytes * 8;
    write_bits_ = 0;
    prefetched_ = SIZE_MAX;
}

size_t ActivationStreamer::request(size_t m_index) {
    const uint64_t bits = std::min(order_->m_tile, order_->m - m_index * order_->m_tile) * row_bits_;
    write_bits_ += bits;
    return dram_->request(bits, false);
}

size_t ActivationStreamer::rows(size_t m_index) { return prefetched_ == m_index ? prefetched_ticket_ : request(m_index); }

void ActivationStreamer::started(size_t m_index) {
    if (!double_buffered_ || m_index + 1 >= order_->m_tiles()) return;
    prefetched_ = m_index + 1;
    prefetched_ticket_ = request(m_index + 1);
}

}  // namespace mantsim
