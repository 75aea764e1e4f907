// The weight streamer: DRAM prefetch of weight tiles into the WBUF, a ring of as many tiles as it
// holds (or, when the WBUF holds every weight tile of the job, each tile fetched once and kept), and (VQ) the codebook SRAM, which holds `slots` scopes' codebooks. A tile whose scope
// differs from the previous tile's loads its scope's codebooks (and hot entries) from DRAM once a
// slot is free; a slot frees when the last tile of its scope has been issued. The DMA queue is in
// order, so a blocked codebook load also holds later weight tiles.
#pragma once

#include <cstdint>
#include <vector>

#include "common/counters.hpp"
#include "kinds/decoders.hpp"
#include "memory/dram_channel.hpp"
#include "common/tile_order.hpp"

namespace mantsim {

class WeightStreamer {
  public:
    void start(const ArraySpec &config, const GemmJob &job, const TileOrder &order,
               DramChannel &dram);
    // Bits of a tile's weight codes (what the link carries), and of its group metadata.
    uint64_t code_bits(const Tile &tile) const;
    uint64_t metadata_bits(const Tile &tile) const;
    uint64_t tile_bits(const Tile &tile) const { return code_bits(tile) + metadata_bits(tile); }

    // Requests tiles after `current` as far as the ring (and the codebook SRAM) has room.
    void prefetch(size_t current);
    // The DRAM ticket after which tile `index`'s weights (and codebooks) are on chip.
    size_t ready_ticket(size_t index) const { return ready_[resident_ ? index % order_->per_m_tile() : index % ready_.size()]; }
    // Every weight tile of the job fits the WBUF at once: each is read from DRAM once.
    bool resident() const { return resident_; }
    // Bits of every weight tile of the job once (codes and metadata).
    uint64_t total_bits() const { return total_bits_; }
    // Tile `index` has been issued: the ring slot is reused, and its scope's codebooks leave if it
    // was the scope's last tile.
    void issued(size_t index);
    void report(CounterArray &counters) const;

  private:
    bool new_scope(size_t index) const;
    bool request(size_t index);

    const ArraySpec *config_ = nullptr;
    const GemmJob *job_ = nullptr;
    const TileOrder *order_ = nullptr;
    DramChannel *dram_ = nullptr;
    bool vq_ = false, metadata_ = false, resident_ = false;
    uint64_t total_bits_ = 0;
    size_t depth_ = 2, next_ = 0, slots_ = 0, in_use_ = 0, book_ticket_ = 0;
    uint64_t set_bits_ = 0, hot_bits_ = 0;
    std::vector<size_t> ready_;
    uint64_t wbuf_write_ = 0, codebook_write_bits_ = 0, codebook_loads_ = 0;
};

}  // namespace mantsim
