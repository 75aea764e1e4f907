// The VQ decoder (vq_decoder.hpp). Decode issues lookups in stream order (the tile's K steps, then
// its columns, then stages; a vector is looked up once, at its first K step and column), at most
// `lanes` per cycle; a cycle ends at the first lookup whose bank (address % codebook_banks, one
// read per bank per cycle) or hot-store port (hot_ports per cycle) is taken.
#include "kinds/vq_decoder.hpp"
#include "common/field_error.hpp"
#include "kinds/decoders.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mantsim {

void VQDecoder::check(const ArraySpec &config, const GemmJob &job) {
    const VQLayoutParams &vq = job.vq;
    if (vq.vector_length != 2 && vq.vector_length != 4 && vq.vector_length != 8) {
        throw field_error("job.vq.vector_length", "expected 2, 4 or 8, got " + std::to_string(vq.vector_length));
    }
    if (vq.stages != 1 && vq.stages != 2) throw field_error("job.vq.stages", "expected 1 or 2, got " + std::to_string(vq.stages));
    if (vq.scope != MANTSIM_VQ_SCOPE_TENSOR && vq.scope != MANTSIM_VQ_SCOPE_TILE && vq.scope != MANTSIM_VQ_SCOPE_ROWS) {
        throw field_error("job.vq.scope", "expected tensor, tile or rows, got code " + std::to_string(vq.scope));
    }
    if (vq.scope != MANTSIM_VQ_SCOPE_TENSOR && vq.scope_size == 0) throw field_error("job.vq.scope_size", "must be positive for tile and rows scopes");
    if (vq.axis != MANTSIM_VQ_AXIS_REDUCTION && vq.axis != MANTSIM_VQ_AXIS_OUTPUT) {
        throw field_error("job.vq.axis", "expected reduction or output, got code " + std::to_string(vq.axis));
    }
    const VQLayout layout(job);
    if (job.dataflow != MANTSIM_DATAFLOW_WEIGHT_STATIONARY) {
        throw field_error("job.dataflow", "the VQ array decodes whole weight tiles into the shadow registers: weight-stationary only");
    }
    // A weight tile holds whole vectors: along K its rows, across output channels its columns.
    if (layout.along_output && config.columns % layout.v != 0) {
        throw field_error("array.columns", std::to_string(config.columns) + " columns do not hold whole VQ vectors of " + std::to_string(layout.v));
    }
    if (!layout.along_output && config.rows % layout.v != 0) {
        throw field_error("array.rows", std::to_string(config.rows) + " rows do not hold whole VQ vectors of " + std::to_string(layout.v));
    }
    const uint64_t set_bits = static_cast<uint64_t>(layout.set_values()) * 16;
    if (set_bits > config.vq.codebook_bytes * 8) {
        throw field_error("decoder.codebook_bytes", "holds " + std::to_string(config.vq.codebook_bytes) + " bytes; one set of codebooks (" +
                                                        std::to_string(layout.stages) + " x " + std::to_string(layout.entries) + " entries x " +
                                                        std::to_string(layout.v) + " FP16) needs " + std::to_string(set_bits / 8));
    }
    if (config.vq.codebook_banks == 0) throw field_error("decoder.codebook_banks", "must be positive");
    if (config.vq.lanes == 0) throw field_error("decoder.lanes", "must be positive");
    if (config.vq.hot_entries > layout.entries) {
        throw field_error("decoder.hot_entries", std::to_string(config.vq.hot_entries) + " is more than the codebook's " +
                                                     std::to_string(layout.entries) + " entries");
    }
    if (config.vq.hot_entries > 0 && config.vq.hot_ports == 0) throw field_error("decoder.hot_ports", "a hot-entry store needs a read port");
    // Every weight tile must read one scope's codebooks.
    const size_t rows = config.rows, columns = config.columns;
    for (size_t n0 = 0; n0 < job.n; n0 += columns) {
        const size_t first = layout.scope_of(n0 % layout.rows, 0);
        for (size_t n = n0; n < std::min<size_t>(job.n, n0 + columns); ++n) {
            if (layout.scope_of(n % layout.rows, 0) != first) {
                throw field_error("job.vq.scope", "the weight tile of output channels " + std::to_string(n0) + ".." +
                                                      std::to_string(std::min<size_t>(job.n, n0 + columns) - 1) +
                                                      " spans codebook scopes; use a scope that is a multiple of the array's columns");
            }
        }
    }
    for (size_t k0 = 0; k0 < job.k; k0 += rows) {
        if (layout.scope_of(0, k0) != layout.scope_of(0, std::min<size_t>(job.k, k0 + rows) - 1)) {
            throw field_error("job.vq.scope", "the weight tile of K " + std::to_string(k0) + ".." + std::to_string(std::min<size_t>(job.k, k0 + rows) - 1) +
                                                  " spans codebook scopes; use a scope that is a multiple of the array's rows");
        }
    }
}

void VQDecoder::start(const ArraySpec &config, const GemmJob &job, size_t per_m_tile) {
    params_ = config.vq;
    job_ = job;
    costs_.assign(per_m_tile, Cost{});
    known_.assign(per_m_tile, false);
}

const VQDecoder::Cost &VQDecoder::cost(size_t index, const Tile &tile) {
    // Every M tile decodes the same weight tiles again: cost them once per (N tile, K tile).
    const size_t slot = index % costs_.size();
    if (!known_[slot]) {
        costs_[slot] = decode(tile);
        known_[slot] = true;
    }
    return costs_[slot];
}

void VQDecoder::issued(size_t index, const Tile &tile) {
    const Cost &tile_cost = cost(index, tile);
    codebook_reads_ += tile_cost.bank_reads;
    hot_reads_ += tile_cost.hot_reads;
    conflict_cycles_ += tile_cost.conflict_cycles;
    cycles_ += tile_cost.cycles;
    residual_adds_ += static_cast<uint64_t>(tile.nt) * tile.kt * (job_.vq.stages - 1);
}

void VQDecoder::clear_counters() { codebook_reads_ = hot_reads_ = residual_adds_ = conflict_cycles_ = cycles_ = 0; }

void VQDecoder::report(CounterArray &counters) const {
    const uint64_t entry_bits = static_cast<uint64_t>(job_.vq.vector_length) * 16;
    counters[MANTSIM_COUNTER_DECODER_CODEBOOK_READ_BITS] += codebook_reads_ * entry_bits;
    counters[MANTSIM_COUNTER_DECODER_HOT_READ_BITS] += hot_reads_ * entry_bits;
    counters[MANTSIM_COUNTER_DECODER_RESIDUAL_ADD] += residual_adds_;
    counters[MANTSIM_COUNTER_DECODER_CONFLICT_CYCLES] += conflict_cycles_;
    counters[MANTSIM_COUNTER_DECODER_CYCLES] += cycles_;
}

VQDecoder::Cost VQDecoder::decode(const Tile &tile) {
    // Lookups in stream order: the tile's K steps, then its columns, then residual stages; each
    // vector once.
    const VQLayout layout(job_);
    const uint32_t banks = params_.codebook_banks, lanes = params_.lanes;
    const uint32_t hot = params_.hot_entries, hot_ports = params_.hot_ports;
    if (bank_stamp_.size() != banks) bank_stamp_.assign(banks, 0);
    std::fill(bank_stamp_.begin(), bank_stamp_.end(), 0);
    Cost cost;
    uint32_t stamp = 0, issued = lanes, hot_used = 0;
    auto new_cycle = [&] {
        cost.cycles += 1;
        stamp += 1;
        issued = 0;
        hot_used = 0;
    };
    for (size_t col = tile.k0; col < tile.k0 + tile.kt; col += layout.col_step()) {
        for (size_t n = tile.n0; n < tile.n0 + tile.nt; n += layout.row_step()) {
            for (size_t stage = 0; stage < layout.stages; ++stage) {
                const uint32_t index = job_.weight_codes[layout.code_index(n % layout.rows, col, stage)];
                if (issued == lanes) new_cycle();
                if (index < hot) {
                    if (hot_used == hot_ports) {
                        cost.conflict_cycles += 1;
                        new_cycle();
                    }
                    hot_used += 1;
                    cost.hot_reads += 1;
                } else {
                    const size_t bank = (stage * layout.entries + index) % banks;
                    if (bank_stamp_[bank] == stamp) {
                        cost.conflict_cycles += 1;
                        new_cycle();
                    }
                    bank_stamp_[bank] = stamp;
                    cost.bank_reads += 1;
                }
                issued += 1;
            }
        }
    }
    return cost;
}

}  // namespace mantsim
