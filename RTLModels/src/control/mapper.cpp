#include "control/mapper.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "kinds/decoders.hpp"
#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// The DRAM bits a mapping moves. `weight_bits`: every weight tile once; `resident`: the WBUF holds
// them all, so they are read once whatever the M tiles.
uint64_t mapping_traffic(const TileOrder &order, uint64_t weight_bits, bool resident, uint64_t activation_bits,
                         uint64_t scale_bits) {
    const uint64_t weights = weight_bits * (resident ? 1 : order.m_tiles());
    const uint64_t loads = order.chunked() ? order.n_blocks() : 1;
    const uint64_t rows = order.m * (order.k * activation_bits + scale_bits * (order.chunked() ? order.chunks() : 1)) * loads;
    return weights + rows + static_cast<uint64_t>(order.m) * order.n * 32;
}
}  // namespace

// Candidates: every distinct M tile ceil(M / q); for each, the widest N block the OBUF holds, and
// either every row of K in the ABUF or the longest K chunk two of which it holds. The least DRAM
// traffic wins; the fixed nest (M tiles as large as the ABUF holds every row of K) wins ties, then
// longer M tiles (fewer fills, longer streams).
Mapping choose_mapping(const ArraySpec &config, const GemmJob &job, TileOrder &order,
                       uint64_t weight_bits, bool resident_if_fits) {
    const bool fp16 = float_datapath(config.pe_type);
    const uint64_t a = job.activation_bits, s = fp16 ? 0 : 16;
    const uint64_t abuf = config.activation_buffer_bytes * 8, obuf = config.output_buffer_bytes * 8;
    const uint64_t sums = static_cast<uint64_t>(config.columns) * 64;  // FP32 sum + INT32 carry per column
    const bool scoped = pe_kind(config.pe_type).codebook && job.vq.scope != MANTSIM_VQ_SCOPE_TENSOR;
    const uint64_t by_abuf = abuf / (job.k * a + s), by_obuf = obuf / sums;
    if (by_obuf == 0) {
        throw std::invalid_argument("buffers.output_bytes: holds " + std::to_string(config.output_buffer_bytes) +
                                    " bytes; one token's partial sums need " + std::to_string(sums / 8) + " (the smallest that works)");
    }
    auto evaluate = [&](size_t m_tile, size_t kc_tiles) {
        TileOrder candidate = order;
        candidate.m_tile = m_tile;
        candidate.kc_tiles = kc_tiles;
        const uint64_t block = by_obuf / m_tile;
        candidate.n_block = scoped ? 1 : static_cast<size_t>(std::max<uint64_t>(1, std::min<uint64_t>(block, candidate.n_tiles())));
        const bool resident = resident_if_fits && candidate.m_tiles() > 1;
        Mapping mapping{candidate.m_tile, candidate.n_block, candidate.kc_tiles,
                        mapping_traffic(candidate, weight_bits, resident, a, s)};
        return mapping;
    };
    if (config.mapping == MANTSIM_MAPPING_FIXED && by_abuf == 0) {
        throw std::invalid_argument("buffers.activation_bytes: holds " + std::to_string(config.activation_buffer_bytes) +
                                    " bytes; one token needs " + std::to_string(ceil_div(job.k * a + s, 8)) + " (mapping: fixed)");
    }
    Mapping best;
    if (by_abuf > 0) best = evaluate(static_cast<size_t>(std::min<uint64_t>({job.m, by_abuf, by_obuf})), 0);
    if (config.mapping == MANTSIM_MAPPING_SEARCHED) {
        size_t last = 0;
        for (size_t q = 1; q <= job.m; ++q) {
            const size_t m_tile = ceil_div(job.m, q);
            if (m_tile == last || m_tile > by_obuf) continue;
            last = m_tile;
            Mapping candidates[2];
            size_t count = 0;
            if (m_tile <= by_abuf) candidates[count++] = evaluate(m_tile, 0);
            // The longest K chunk (whole K tiles) of which the ABUF holds two.
            const uint64_t chunk_bits = abuf / 2 / m_tile;
            const uint64_t kc = chunk_bits > s ? (chunk_bits - s) / a / order.k_step : 0;
            if (kc >= 1 && kc < order.k_tiles()) candidates[count++] = evaluate(m_tile, static_cast<size_t>(kc));
            for (size_t c = 0; c < count; ++c) {
                const Mapping &mapping = candidates[c];
                // M tiles shrink as q grows: among equals the first (longest) stays.
                if (best.m_tile == 0 || mapping.dram_bits < best.dram_bits) best = mapping;
            }
        }
    }
    if (best.m_tile == 0) {
        const uint64_t need = 2 * (order.k_step * a + s);
        throw std::invalid_argument("buffers.activation_bytes: holds " + std::to_string(config.activation_buffer_bytes) +
                                    " bytes; one token's rows of one K tile, double-buffered, need " + std::to_string(ceil_div(need, 8)) +
                                    " (the smallest that works)");
    }
    order.m_tile = best.m_tile;
    order.n_block = best.n_block;
    order.kc_tiles = best.kc_tiles;
    return best;
}

}  // namespace mantsim
