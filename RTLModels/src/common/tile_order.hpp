// The order in which a job's tiles run. Weight-stationary: for each M tile (as many tokens as the
// activation and output buffers hold), for each block of N tiles (as many as the output buffer
// holds the partial sums of), for each K tile, for each N tile of the block. Consecutive tiles of a
// block are different output columns, so a tile rarely waits for the partial sums of the K tile
// before it; a block of one N tile is the plain M, N, K nest. Output-stationary: for each M tile of
// R tokens (fewer when the ABUF holds fewer rows of K), for each N tile of C channels, for each K
// chunk (as much of K as the WBUF double-buffers): the PEs keep their sums across the chunks.
#pragma once

#include <algorithm>
#include <cstddef>

#include "common/tile.hpp"

namespace mantsim {

struct TileOrder {
    size_t m = 1, k = 1, n = 1, rows = 1, columns = 1;
    size_t m_tile = 1, n_block = 1;
    size_t k_step = 1;    // WS: R; OS: the K chunk
    size_t kc_tiles = 0;  // WS: K tiles per activation chunk (0 or k_tiles(): every row of K at once)
    bool ws = true;

    size_t chunk_tiles() const { return kc_tiles == 0 ? k_tiles() : std::min(kc_tiles, k_tiles()); }
    bool chunked() const { return chunk_tiles() < k_tiles(); }
    size_t n_blocks() const { return (n_tiles() + n_block - 1) / n_block; }
    size_t chunks() const { return (k_tiles() + chunk_tiles() - 1) / chunk_tiles(); }
    // Activation loads in order: per M tile, or per (M tile, N block, K chunk) when chunked.
    size_t rows_units() const { return chunked() ? m_tiles() * n_blocks() * chunks() : m_tiles(); }
    // The rows a load brings: tokens [m0, m0 + mt), K [k0, k0 + klen).
    void rows_extent(size_t unit, size_t &m0, size_t &mt, size_t &k0, size_t &klen) const {
        const size_t per_m = chunked() ? n_blocks() * chunks() : 1;
        m0 = unit / per_m * m_tile;
        mt = std::min(m_tile, m - m0);
        k0 = chunked() ? unit % chunks() * chunk_tiles() * k_step : 0;
        klen = chunked() ? std::min(chunk_tiles() * k_step, k - k0) : k;
    }
    // The load tile `index` reads, and whether it is the first tile to read it.
    size_t rows_unit(size_t index, bool &first) const {
        const size_t within = index % per_m_tile(), m_index = index / per_m_tile();
        if (!chunked()) {
            first = within == 0;
            return m_index;
        }
        const size_t block_tiles = n_block * k_tiles();
        const size_t block = within / block_tiles, width = std::min(n_block, n_tiles() - block * n_block);
        const size_t rem = within % block_tiles, ki = rem / width, chunk = ki / chunk_tiles();
        first = rem == chunk * chunk_tiles() * width;
        return (m_index * n_blocks() + block) * chunks() + chunk;
    }

    size_t k_tiles() const { return (k + k_step - 1) / k_step; }
    size_t n_tiles() const { return (n + columns - 1) / columns; }
    size_t m_tiles() const { return (m + m_tile - 1) / m_tile; }
    size_t per_m_tile() const { return n_tiles() * k_tiles(); }
    size_t count() const { return m_tiles() * per_m_tile(); }
    bool first_of_m_tile(size_t index) const { return index % per_m_tile() == 0; }

    // N tile index of tile `index` (within its M tile).
    size_t n_index(size_t index) const {
        const size_t within = index % per_m_tile(), block_tiles = n_block * k_tiles();
        const size_t block = within / block_tiles, width = std::min(n_block, n_tiles() - block * n_block);
        return block * n_block + (within % block_tiles) % width;
    }

    Tile at(size_t index) const {
        const size_t within = index % per_m_tile(), block_tiles = n_block * k_tiles();
        const size_t block = within / block_tiles, width = std::min(n_block, n_tiles() - block * n_block);
        const size_t rem = within % block_tiles, ki = rem / width, ni = block * n_block + rem % width;
        Tile tile;
        tile.m0 = index / per_m_tile() * m_tile;
        tile.mt = std::min(m_tile, m - tile.m0);
        tile.n0 = ni * columns;
        tile.nt = std::min(columns, n - tile.n0);
        tile.k0 = ki * k_step;
        tile.kt = std::min(k_step, k - tile.k0);
        return tile;
    }
};

}  // namespace mantsim
