// The controller's tile scheduler: when each tile may issue into the array, from the issue history
// it keeps (the last tile's issue cycle and stream, the cycle each row of each weight set is free
// again, the weight link's next free cycle, and each N tile's last issue), and how long a tile
// occupies the array's edge and the array itself. The issue rules: RTLModels/README.md, "Timing".
#pragma once

#include <cstdint>
#include <vector>

#include "common/job.hpp"
#include "common/tile.hpp"
#include "common/tile_order.hpp"

namespace mantsim {

class TileScheduler {
  public:
    void start(const ArraySpec &config, const GemmJob &job, const TileOrder &order);

    // Bits per output a WS tile reads at the top of a column and writes at the bottom.
    void partial_sum_bits(const Tile &tile, uint64_t &in, uint64_t &out) const;
    // Cycles a tile occupies the array's input edge.
    uint64_t stream_cycles(const Tile &tile) const;
    // Cycles from a tile's first input until its last result leaves the array.
    uint64_t span_cycles(const Tile &tile) const;
    // The earliest cycle tile `index` may issue as far as its weights go, given the cycle its data
    // is on chip, its code bits (what the link carries) and its decode cycles (VQ; 0 otherwise).
    // Reserves the weight link for it.
    uint64_t weights_ready(size_t index, const Tile &tile, uint64_t data, uint64_t code_bits, uint64_t decode_cycles);
    // The earliest cycle at or after `at` that the array's own hazards let tile `index` issue.
    uint64_t earliest(size_t index, const Tile &tile, uint64_t at) const;
    // Tile `index` issued at `now`.
    void issued(size_t index, const Tile &tile, uint64_t now);
    // The cycle the last issued tile leaves the array.
    uint64_t busy_until() const { return busy_until_; }

  private:
    ArraySpec config_{};
    uint64_t k_ = 0;
    uint32_t group_size_ = 0, activation_bits_ = 0, weight_bits_ = 0;
    const TileOrder *order_ = nullptr;
    bool ws_ = true, serial_ = false;
    uint64_t last_issue_ = 0, last_stream_ = 0, last_end_ = 0, last_drain_ = 0, link_free_ = 0, busy_until_ = 0;
    bool any_issued_ = false;
    std::vector<std::vector<uint64_t>> row_free_;
    std::vector<uint64_t> n_issue_;
};

}  // namespace mantsim
