// The weight-stationary mapper: which tile sizes and activation loads a GEMM runs with.
#pragma once

#include <cstdint>

#include "common/job.hpp"
#include "common/tile_order.hpp"

namespace mantsim {

struct Mapping {
    size_t m_tile = 0, n_block = 1, kc_tiles = 0;  // kc_tiles 0: every row of K per M tile
    uint64_t dram_bits = 0;                         // what the mapping moves (weights, rows, outputs)
};

// Fills order.m_tile, n_block and kc_tiles (order's shape and k_step set) for a WS job; throws
// std::invalid_argument naming the buffer when no mapping fits.
Mapping choose_mapping(const ArraySpec &config, const GemmJob &job, TileOrder &order,
                       uint64_t weight_bits, bool resident_if_fits);

}  // namespace mantsim
