// The activation streamer: the rows the tile order loads (an M tile's every K, or a K chunk of it
// per N block; with their FP16 scales on integer arrays) come from DRAM into the ABUF. When the
// ABUF holds two loads, the next one is fetched while the current one is read; otherwise it is
// fetched when its first tile comes.
#pragma once

#include <cstdint>

#include "common/counters.hpp"
#include "common/job.hpp"
#include "memory/dram_channel.hpp"
#include "common/tile_order.hpp"

namespace mantsim {

class ActivationStreamer {
  public:
    void start(const ArraySpec &config, const GemmJob &job, const TileOrder &order, DramChannel &dram);
    // The DRAM ticket after which load `unit`'s rows are on chip; requests them if no prefetch
    // did. Call in order.
    size_t rows(size_t unit);
    // Load `unit` is being read: prefetches the next one when the ABUF has room.
    void started(size_t unit);
    void report(CounterArray &counters) const { counters[MANTSIM_COUNTER_ABUF_WRITE_BITS] += write_bits_; }

  private:
    size_t request(size_t m_index);

    const TileOrder *order_ = nullptr;
    DramChannel *dram_ = nullptr;
    uint64_t activation_bits_ = 0, scale_bits_ = 0, write_bits_ = 0;
    bool double_buffered_ = false;
    size_t prefetched_ = SIZE_MAX, prefetched_ticket_ = 0;
};

}  // namespace mantsim
