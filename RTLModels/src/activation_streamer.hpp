// The activation streamer: each M tile's rows (every K of m_t tokens, with their FP16 scales on
// integer arrays) come from DRAM into the ABUF. When the ABUF holds two M tiles, the next tile's
// rows are fetched while the current one runs; otherwise they are fetched when it starts.
#pragma once

#include <cstdint>

#include "counters.hpp"
#include "dram_channel.hpp"
#include "tile_order.hpp"

namespace mantsim {

class ActivationStreamer {
  public:
    void start(const mantsim_array_config &config, const mantsim_gemm_job &job, const TileOrder &order, DramChannel &dram);
    // The DRAM ticket after which M tile `m_index`'s rows are on chip; requests them if no
    // prefetch did. Call in M-tile order.
    size_t rows(size_t m_index);
    // M tile `m_index` has started: prefetches the next one's rows when the ABUF has room.
    void started(size_t m_index);
    void report(CounterArray &counters) const { counters[MANTSIM_COUNTER_ABUF_WRITE_BITS] += write_bits_; }

  private:
    size_t request(size_t m_index);

    const TileOrder *order_ = nullptr;
    DramChannel *dram_ = nullptr;
    uint64_t row_bits_ = 0, write_bits_ = 0;
    bool double_buffered_ = false;
    size_t prefetched_ = SIZE_MAX, prefetched_ticket_ = 0;
};

}  // namespace mantsim
