// The VQ array's decoder: the checks a VQ job must pass, what decoding one weight tile costs,
// lookup by lookup, from its index stream, and the decoder's own counters. Per weight vector the
// decoder reads one entry per residual stage from the banked codebook SRAM, or from the hot-entry
// store when the index is below hot_entries; the stages are summed in binary32 and rounded to
// FP16. A decoded tile fills the shadow registers while the previous tile computes, in max(WBUF
// port cycles, decode cycles).
#pragma once

#include <cstdint>
#include <vector>

#include "common/counters.hpp"
#include "common/job.hpp"
#include "common/tile.hpp"

namespace mantsim {

class VQDecoder {
  public:
    // What decoding one weight tile costs.
    struct Cost {
        uint64_t cycles = 0, bank_reads = 0, hot_reads = 0, conflict_cycles = 0;
    };

    // Throws std::invalid_argument naming the job's or the decoder's field at fault.
    static void check(const ArraySpec &config, const GemmJob &job);

    // A new job whose tile order repeats `per_m_tile` weight tiles for every M tile.
    void start(const ArraySpec &config, const GemmJob &job, size_t per_m_tile);
    // The cost of decoding tile `index` (computed once per weight tile, then remembered).
    const Cost &cost(size_t index, const Tile &tile);
    // Tile `index` issued: its decode is counted.
    void issued(size_t index, const Tile &tile);
    void clear_counters();
    void report(CounterArray &counters) const;

  private:
    Cost decode(const Tile &tile);

    VQDecoderParams params_{};
    GemmJob job_{};
    std::vector<Cost> costs_;
    std::vector<bool> known_;
    std::vector<uint32_t> bank_stamp_;
    uint64_t codebook_reads_ = 0, hot_reads_ = 0, residual_adds_ = 0, conflict_cycles_ = 0, cycles_ = 0;
};

}  // namespace mantsim
