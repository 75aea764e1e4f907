#include "accelerator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#pragma STDC FP_CONTRACT OFF

namespace mantsim {

namespace {

std::invalid_argument field_error(const std::string &field, const std::string &message) {
    return std::invalid_argument(field + ": " + message);
}

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

}  // namespace

Accelerator::Accelerator(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_HAS_PROCESS(Accelerator);
    SC_THREAD(run);
    sensitive << clk.pos();
    dont_initialize();
}

void Accelerator::prepare(const mantsim_array_config &config, const mantsim_gemm_job &job) {
    // A trace request applies to this job only, whether or not it is accepted.
    const std::string trace_path = trace_path_;
    trace_path_.clear();
    if (config.rows < 2 || config.columns < 2 || config.rows > 4096 || config.columns > 4096) {
        throw field_error("array.rows/columns", "expected 2..4096 PEs per side, got " + std::to_string(config.rows) + " x " +
                                                    std::to_string(config.columns));
    }
    if (config.pe_type < 0 || config.pe_type >= MANTSIM_PE_TYPE_COUNT) {
        throw field_error("array.pe_type", "unknown PE type " + std::to_string(config.pe_type));
    }
    if (config.lut_scale != MANTSIM_LUT_SCALE_DECODER && config.lut_scale != MANTSIM_LUT_SCALE_SAC) {
        throw field_error("decoder.scale", "expected decoder or sac, got code " + std::to_string(config.lut_scale));
    }
    if (config.dram_bits_per_cycle == 0) throw field_error("dram.bits_per_cycle", "must be positive");
    const uint32_t ports[3][2] = {{config.weight_buffer_banks, config.weight_buffer_bank_bits},
                                  {config.activation_buffer_banks, config.activation_buffer_bank_bits},
                                  {config.output_buffer_banks, config.output_buffer_bank_bits}};
    const char *const port_names[3] = {"buffers.weight", "buffers.activation", "buffers.output"};
    for (int port = 0; port < 3; ++port) {
        if (ports[port][0] == 0 || ports[port][1] == 0) {
            throw field_error(std::string(port_names[port]) + "_banks/_bank_bits", "a buffer port needs at least one bank of at least one bit");
        }
    }
    if (job.m == 0 || job.k == 0 || job.n == 0) throw field_error("job", "M, K and N must be positive");
    if (job.dataflow != MANTSIM_DATAFLOW_WEIGHT_STATIONARY && job.dataflow != MANTSIM_DATAFLOW_OUTPUT_STATIONARY) {
        throw field_error("job.dataflow", "expected weight-stationary or output-stationary");
    }
    if (job.fidelity != MANTSIM_FIDELITY_CYCLE && job.fidelity != MANTSIM_FIDELITY_FAST) {
        throw field_error("job.fidelity", "expected cycle or fast");
    }
    if (job.weight_codes == nullptr) throw field_error("job.weight_codes", "required");
    if (job.output == nullptr && job.fidelity == MANTSIM_FIDELITY_CYCLE) throw field_error("job.output", "required in cycle fidelity");
    const bool fp16 = float_datapath(config.pe_type);
    if (fp16) {
        if (job.activation_fp16 == nullptr) throw field_error("job.activation_fp16", "required by FP16-datapath arrays");
        if (config.pe_type == MANTSIM_PE_LUT && job.group_size == 0) throw field_error("job.group_size", "must be positive");
    } else {
        if (job.activations == nullptr || job.activation_scales == nullptr) {
            throw field_error("job.activations", "integer arrays need integer activations and per-token scales");
        }
        if (job.activation_bits != 8 && job.activation_bits != 4) {
            throw field_error("job.activation_bits", "expected 8 or 4, got " + std::to_string(job.activation_bits));
        }
        if (job.group_size == 0) throw field_error("job.group_size", "must be positive");
        const bool selectors = config.pe_type == MANTSIM_PE_MANT || config.pe_type == MANTSIM_PE_ANT;
        if (selectors && job.group_selectors == nullptr) throw field_error("job.group_selectors", "required by this PE type");
    }
    if (job.weight_bits == 0 || job.weight_bits > 16) throw field_error("job.weight_bits", "expected 1..16");
    if (job.weight_row_period > job.n) {
        throw field_error("job.weight_row_period", "expected 0..N (" + std::to_string(job.n) + "), got " + std::to_string(job.weight_row_period));
    }

    weights_ = decode_weights(job, config);
    if (config.pe_type == MANTSIM_PE_VQ) check_vq(config, job);
    if (!fp16) {
        // Integer partial sums of one group must fit the PEs' 32-bit accumulators.
        const double bound = static_cast<double>(weights_.max_magnitude) * 128.0 * static_cast<double>(std::min(job.group_size, job.k));
        if (bound >= 2147483648.0) {
            throw field_error("job.group_size", "a group of " + std::to_string(job.group_size) +
                                                    " products can overflow the 32-bit PE accumulator");
        }
    }
    config_ = config;
    job_ = job;
    const uint64_t activation_row_bits = static_cast<uint64_t>(job.k) * job.activation_bits + (fp16 ? 0 : 16);
    const uint64_t abuf_bits = config.activation_buffer_bytes * 8, obuf_bits = config.output_buffer_bytes * 8;
    const uint64_t output_row_bits = static_cast<uint64_t>(config.columns) * 64;  // FP32 sum + INT32 carry
    if (job.dataflow == MANTSIM_DATAFLOW_WEIGHT_STATIONARY) {
        const uint64_t by_abuf = abuf_bits / activation_row_bits, by_obuf = obuf_bits / output_row_bits;
        if (by_abuf == 0) {
            throw field_error("buffers.activation_bytes", "holds " + std::to_string(config.activation_buffer_bytes) +
                                                              " bytes; one token needs " + std::to_string(ceil_div(activation_row_bits, 8)));
        }
        if (by_obuf == 0) {
            throw field_error("buffers.output_bytes", "holds " + std::to_string(config.output_buffer_bytes) +
                                                          " bytes; one token's outputs need " + std::to_string(output_row_bits / 8));
        }
        m_tile_ = static_cast<size_t>(std::min<uint64_t>({job.m, by_abuf, by_obuf}));
    } else {
        m_tile_ = std::min<size_t>(job.m, config.rows);
        if (m_tile_ * activation_row_bits > abuf_bits) {
            throw field_error("buffers.activation_bytes", "an output-stationary tile of " + std::to_string(m_tile_) +
                                                              " tokens needs " + std::to_string(ceil_div(m_tile_ * activation_row_bits, 8)) + " bytes");
        }
        if (static_cast<uint64_t>(config.rows) * config.columns * 32 > obuf_bits) {
            throw field_error("buffers.output_bytes", "cannot hold one output tile of the array");
        }
    }
    Tile largest;
    largest.n0 = 0;
    largest.nt = std::min<size_t>(job.n, config.columns);
    largest.k0 = 0;
    largest.kt = job.dataflow == MANTSIM_DATAFLOW_WEIGHT_STATIONARY ? std::min<size_t>(job.k, config.rows) : job.k;
    const uint64_t double_buffer = 2 * weight_tile_bits(largest);
    if (double_buffer > config.weight_buffer_bytes * 8) {
        throw field_error("buffers.weight_bytes", "holds " + std::to_string(config.weight_buffer_bytes) +
                                                      " bytes; two weight tiles need " + std::to_string(ceil_div(double_buffer, 8)));
    }
    accumulators_.assign(static_cast<size_t>(job.m) * job.n, 0.0f);
    output_.assign(static_cast<size_t>(job.m) * job.n, 0.0f);
    activation_scales_.assign(fp16 ? 0 : job.m, 0);
    if (!fp16) std::copy(job.activation_scales, job.activation_scales + job.m, activation_scales_.begin());
    array_.configure(config, job, weights_, accumulators_.data());
    clear_counters();
    dram_.reset(config.dram_bits_per_cycle, config.dram_latency_cycles);
    // Generous bound on any correct run: every tile's compute, every bit over DRAM, every
    // request's latency, tenfold.
    const uint64_t span = std::max<uint64_t>(job.m, job.k) + config.rows + config.columns;
    const uint64_t tiles_bound = (static_cast<uint64_t>(job.m) + 1) * (job.n / config.columns + 1) * (job.k / config.rows + 1);
    const uint64_t bits_bound = (static_cast<uint64_t>(job.m) + job.n) * job.k * 32 + static_cast<uint64_t>(job.m) * job.n * 32;
    cycle_budget_ = 10 * (tiles_bound * (span + config.dram_latency_cycles + 4) + bits_bound / config.dram_bits_per_cycle) + 1000000;
    timed_out_ = false;
    finished_ = false;
    if (!trace_path.empty() && job.fidelity == MANTSIM_FIDELITY_FAST) {
        throw field_error("vcd", "waveforms need cycle fidelity (fast jobs skip PE steps)");
    }
    if (!trace_path.empty()) {
        const std::string &path = trace_path;
        if (trace_row_ >= config.rows) throw field_error("vcd row", "PE row " + std::to_string(trace_row_) + " is outside the array");
        if (config.columns > 256) throw field_error("vcd", "traces show at most 256 PE columns");
        trace_.add("controller", "state", 3);
        trace_.add("controller", "tile", 32);
        trace_.add("dram", "bits_moved", 32);
        trace_.add("wbuf", "read_bits", 32);
        trace_.add("abuf", "read_bits", 32);
        trace_.add("obuf", "write_bits", 32);
        const std::string row = "pe_row" + std::to_string(trace_row_);
        const unsigned act_width = float_datapath(config.pe_type) ? 32 : 16;
        for (uint32_t c = 0; c < config.columns; ++c) {
            trace_.add(row, "act_" + std::to_string(c), act_width);
            trace_.add(row, "psum_" + std::to_string(c), 32);
        }
        trace_.begin(path, period_ps_);
    }
}

// Controller states as the trace shows them.
enum TraceState : uint64_t { kIdle = 0, kPreload = 1, kCompute = 2, kStall = 3, kDrain = 4, kBufferStall = 5 };

void Accelerator::sample_trace(const uint64_t &phase_counter) {
    trace_values_.clear();
    uint64_t state = kIdle;
    if (&phase_counter == &preload_) state = kPreload;
    if (&phase_counter == &compute_) state = kCompute;
    if (&phase_counter == &stall_) state = kStall;
    if (&phase_counter == &drain_) state = kDrain;
    if (&phase_counter == &buffer_stall_) state = kBufferStall;
    trace_values_.push_back(state);
    trace_values_.push_back(trace_tile_);
    trace_values_.push_back(dram_.last_moved_bits());
    trace_values_.push_back(trace_wbuf_);
    trace_values_.push_back(state == kCompute ? array_.last_inputs() * job_.activation_bits : 0);
    trace_values_.push_back(trace_obuf_);
    array_.row_state(trace_row_, trace_values_);
    trace_.sample(cycles_, trace_values_);
    trace_wbuf_ = 0;
    trace_obuf_ = 0;
}

uint64_t Accelerator::weight_tile_bits(const Tile &tile) const {
    if (config_.pe_type == MANTSIM_PE_VQ) {
        return static_cast<uint64_t>(tile.nt) * tile.kt / job_.vq_vector_length * job_.vq_stages * job_.weight_bits;
    }
    uint64_t bits = static_cast<uint64_t>(tile.nt) * tile.kt * job_.weight_bits;
    if (config_.pe_type != MANTSIM_PE_FP16) {
        // Metadata of every group that starts inside the tile's K range.
        const size_t g = job_.group_size;
        const size_t first = ceil_div(tile.k0, g), last = ceil_div(tile.k0 + tile.kt, g);
        bits += static_cast<uint64_t>(tile.nt) * (last - first) * job_.metadata_bits;
    }
    return bits;
}

// Thrown inside the thread to abandon a job that exceeded its budget; caught in run().
struct BudgetExceeded {};

void Accelerator::clock_cycle(uint64_t &phase_counter) {
    dram_.tick();
    cycles_ += 1;
    phase_counter += 1;
    if (cycles_ > cycle_budget_) throw BudgetExceeded{};
    if (trace_.active()) sample_trace(phase_counter);
    wait();
}

void Accelerator::skip_cycles(uint64_t count, uint64_t &phase_counter) {
    // The kernel's clock does not run through these cycles: toggling it tens of millions of times
    // while no process acts would cost more than the whole replay. They count in the job's cycles.
    cycles_ += count;
    phase_counter += count;
    if (cycles_ > cycle_budget_) throw BudgetExceeded{};
}

void Accelerator::clear_counters() {
    cycles_ = compute_ = preload_ = stall_ = drain_ = buffer_stall_ = tiles_ = output_scales_ = decoder_lookups_ = decoder_scales_ = 0;
    codebook_reads_ = hot_reads_ = codebook_write_bits_ = residual_adds_ = conflict_cycles_ = codebook_loads_ = decoder_cycles_ = 0;
    wbuf_read_ = wbuf_write_ = abuf_read_ = abuf_write_ = obuf_read_ = obuf_write_ = 0;
    array_.reset_counters();
    dram_.reset(1, 0);
}

CounterArray Accelerator::array_counters() const {
    CounterArray values{};
    array_.report(values);
    return values;
}

void Accelerator::wait_for(size_t ticket) {
    if (job_.fidelity == MANTSIM_FIDELITY_FAST) {
        // Nothing but the DRAM channel moves while the controller waits: take the ticks at once.
        if (!dram_.done(ticket)) skip_cycles(dram_.advance_until(ticket, cycle_budget_ - cycles_ + 1), stall_);
        return;
    }
    while (!dram_.done(ticket)) clock_cycle(stall_);
}

void Accelerator::drain() {
    if (job_.fidelity == MANTSIM_FIDELITY_FAST) {
        while (!dram_.idle()) skip_cycles(dram_.advance_until(dram_.last_ticket(), cycle_budget_ - cycles_ + 1), drain_);
        return;
    }
    while (!dram_.idle()) clock_cycle(drain_);
}

void Accelerator::run() {
    while (true) {
        while (!start_requested_) wait();
        start_requested_ = false;
        try {
            run_job();
        } catch (const BudgetExceeded &) {
            timed_out_ = true;
        }
        trace_.finish(!timed_out_);
        finished_ = true;
        sc_core::sc_pause();
    }
}

void Accelerator::run_job() {
    {
        const bool ws = job_.dataflow == MANTSIM_DATAFLOW_WEIGHT_STATIONARY;
        const bool fp16 = float_datapath(config_.pe_type);
        const size_t R = config_.rows, C = config_.columns;
        const size_t M = job_.m, K = job_.k, N = job_.n;
        const uint64_t activation_row_bits = static_cast<uint64_t>(K) * job_.activation_bits + (fp16 ? 0 : 16);
        const size_t k_tiles = ws ? ceil_div(K, R) : 1;
        const size_t n_tiles = ceil_div(N, C), m_tiles = ceil_div(M, m_tile_);

        // Tiles in execution order (M, then N, then K tiles), computed from their index: a large
        // job on a small array has tens of millions of them.
        const size_t tile_count = m_tiles * n_tiles * k_tiles;
        auto tile_at = [&](size_t index) {
            const size_t ki = index % k_tiles, ni = (index / k_tiles) % n_tiles, mi = index / (k_tiles * n_tiles);
            Tile tile;
            tile.m0 = mi * m_tile_;
            tile.mt = std::min(m_tile_, M - tile.m0);
            tile.n0 = ni * C;
            tile.nt = std::min(C, N - tile.n0);
            tile.k0 = ws ? ki * R : 0;
            tile.kt = ws ? std::min(R, K - tile.k0) : K;
            return tile;
        };
        // The WBUF is a ring of weight tiles: keep as many in flight or resident as it holds. Weight
        // tiles do not depend on M, and the first N tile is the widest.
        uint64_t largest_tile = 1;
        for (size_t ki = 0; ki < k_tiles; ++ki) largest_tile = std::max(largest_tile, weight_tile_bits(tile_at(ki)));
        const size_t depth = std::max<size_t>(2, static_cast<size_t>(config_.weight_buffer_bytes * 8 / largest_tile));
        // DRAM tickets of the tiles requested and not yet consumed, by index modulo the ring.
        std::vector<size_t> tickets(depth + 2);
        auto weight_ticket = [&](size_t index) -> size_t & { return tickets[index % tickets.size()]; };
        size_t activation_ticket = 0;
        size_t next_weight = 0;
        // VQ: the codebook SRAM holds `book_slots` scopes' codebooks. A tile whose scope differs
        // from the previous tile's loads its scope's codebooks (and hot entries) from DRAM, once a
        // slot is free: a slot frees when the last tile of its scope has been decoded. The DMA
        // queue is in order, so a blocked codebook load also holds later weight tiles.
        const bool vq = config_.pe_type == MANTSIM_PE_VQ;
        const VQLayout layout(job_);
        const uint64_t set_bits = vq ? static_cast<uint64_t>(layout.set_values()) * 16 : 0;
        const uint64_t hot_bits = vq ? static_cast<uint64_t>(layout.stages) * config_.hot_entries * layout.v * 16 : 0;
        const size_t book_slots = vq ? static_cast<size_t>(config_.codebook_bytes * 8 / set_bits) : 0;
        size_t books_in_use = 0, book_ticket = 0;
        std::vector<size_t> ready_tickets(tickets.size());
        auto scope_of = [&](size_t index) {
            const Tile tile = tile_at(index);
            return layout.scope_of(tile.n0 % layout.rows, tile.k0);
        };
        auto new_scope = [&](size_t index) { return vq && (index == 0 || scope_of(index) != scope_of(index - 1)); };
        auto last_of_scope = [&](size_t index) { return vq && (index + 1 == tile_count || new_scope(index + 1)); };
        auto request_weights = [&](size_t index) {
            if (new_scope(index)) {
                if (books_in_use == book_slots) return false;
                books_in_use += 1;
                book_ticket = dram_.request(set_bits + hot_bits, false);
                codebook_write_bits_ += set_bits + hot_bits;
                codebook_loads_ += 1;
            }
            const uint64_t bits = weight_tile_bits(tile_at(index));
            weight_ticket(index) = dram_.request(bits, false);
            ready_tickets[index % ready_tickets.size()] = vq ? std::max(book_ticket, weight_ticket(index)) : weight_ticket(index);
            wbuf_write_ += bits;
            next_weight = index + 1;
            return true;
        };
        auto prefetch = [&](size_t current) {
            while (next_weight < tile_count && next_weight < current + depth && request_weights(next_weight)) {
            }
        };
        // A tile can be decoded once its weights and its codebooks have arrived (DRAM completes in order).
        auto ready = [&](size_t index) -> size_t { return ready_tickets[index % ready_tickets.size()]; };
        // VQ decode cost per (N tile, K tile): every M tile decodes the same weight tiles again.
        std::vector<DecodeCost> decode_costs(vq ? n_tiles * k_tiles : 0);
        std::vector<bool> decoded(decode_costs.size(), false);
        auto decode = [&](size_t index) -> const DecodeCost & {
            const size_t slot = index % decode_costs.size();
            if (!decoded[slot]) {
                decode_costs[slot] = decode_cost(tile_at(index));
                decoded[slot] = true;
            }
            return decode_costs[slot];
        };
        // Cycles the decoder path takes to fill the array's (shadow) registers with a tile.
        auto fill_cycles = [&](size_t index) -> uint64_t {
            const uint64_t port = ceil_div(weight_tile_bits(tile_at(index)), static_cast<uint64_t>(config_.weight_buffer_banks) * config_.weight_buffer_bank_bits);
            return vq ? std::max(port, decode(index).cycles) : port;
        };
        // The first activations go ahead of the weight prefetch; later M tiles queue behind it.
        const Tile first = tile_at(0);
        activation_ticket = dram_.request(first.mt * activation_row_bits, false);
        abuf_write_ += first.mt * activation_row_bits;
        prefetch(0);
        bool preloaded = !ws;
        const uint64_t wbuf_port = static_cast<uint64_t>(config_.weight_buffer_banks) * config_.weight_buffer_bank_bits;
        const uint64_t abuf_port = static_cast<uint64_t>(config_.activation_buffer_banks) * config_.activation_buffer_bank_bits;
        const uint64_t obuf_port = static_cast<uint64_t>(config_.output_buffer_banks) * config_.output_buffer_bank_bits;
        uint64_t shadow_pending = 0;
        const bool fast = job_.fidelity == MANTSIM_FIDELITY_FAST;
        std::map<TileKey, CachedTile> tile_cache;
        // Shift-path weights per (N tile, K tile): every M tile replays the same weight tiles.
        std::vector<uint64_t> shift_weights(fast ? n_tiles * k_tiles : 0, UINT64_MAX);
        for (size_t index = 0; index < tile_count; ++index) {
            const Tile tile = tile_at(index);
            const bool first_of_m_tile = index % (n_tiles * k_tiles) == 0;
            if (first_of_m_tile) {
                if (index > 0) {
                    const uint64_t bits = tile.mt * activation_row_bits;
                    activation_ticket = dram_.request(bits, false);
                    abuf_write_ += bits;
                }
                wait_for(activation_ticket);
            }
            wait_for(ready(index));
            prefetch(index + 1);
            const uint64_t weight_bits = weight_tile_bits(tile);
            wbuf_read_ += weight_bits;
            trace_tile_ = index;
            trace_wbuf_ = weight_bits;
            if (vq) {
                const DecodeCost &cost = decode(index);
                codebook_reads_ += cost.bank_reads;
                hot_reads_ += cost.hot_reads;
                conflict_cycles_ += cost.conflict_cycles;
                decoder_cycles_ += cost.cycles;
                residual_adds_ += static_cast<uint64_t>(tile.nt) * tile.kt * (layout.stages - 1);
            } else if (config_.pe_type != MANTSIM_PE_FP16) {
                decoder_lookups_ += static_cast<uint64_t>(tile.nt) * tile.kt;
            }
            if (config_.pe_type == MANTSIM_PE_LUT && !scales_in_sac(config_)) decoder_scales_ += static_cast<uint64_t>(tile.nt) * tile.kt;
            if (!preloaded) {
                // The first tile shifts in row by row, no faster than the WBUF port delivers it
                // (and, on the VQ array, than the decoder decodes it).
                const uint64_t cycles = std::max<uint64_t>(R, fill_cycles(index));
                for (uint64_t cycle = 0; cycle < cycles; ++cycle) clock_cycle(preload_);
                preloaded = true;
            } else if (ws) {
                // Later tiles load into shadow registers during the previous tile; the cycles of
                // that fill still to go when this tile could start hold the array.
                while (shadow_pending > 0) {
                    shadow_pending -= 1;
                    clock_cycle(buffer_stall_);
                }
            }
            shadow_pending = 0;
            if (last_of_scope(index)) {
                // Decoded: its scope's codebooks make room for the next scope's.
                books_in_use -= 1;
                prefetch(index + 1);
            }
            const bool has_next = ws && index + 1 < tile_count;
            // Cycles of the next tile's fill, counted from the cycle its data has arrived.
            uint64_t next_fill = has_next ? fill_cycles(index + 1) : 0;
            abuf_read_ += static_cast<uint64_t>(tile.mt) * tile.kt * job_.activation_bits;
            const bool first_k = tile.k0 == 0;
            const bool last_k = tile.k0 + tile.kt == K;
            array_.plan_tile(tile);
            const uint64_t lanes = config_.pe_type == MANTSIM_PE_MANT ? 2 : 1;
            const uint64_t partial_bits = (ws && array_.carries_in()) ? 32 * lanes : 0;
            if (!first_k) obuf_read_ += static_cast<uint64_t>(tile.mt) * tile.nt * (32 + partial_bits);
            const uint64_t span = array_.tile_cycles(tile);
            const uint64_t output_bits_in = 32 + partial_bits, output_bits_out = 32 + (ws && array_.carries_out() ? 32 * lanes : 0);
            const TileKey key{tile.mt, tile.kt, tile.nt, tile.k0 % job_.group_size, first_k, last_k};
            const auto cached = fast ? tile_cache.find(key) : tile_cache.end();
            if (cached != tile_cache.end()) {
                // Replay: the same cycles and array counters as the first tile of this shape; DMA
                // and the shadow preload advance over exactly those cycles.
                const uint64_t total = cached->second.compute_cycles + cached->second.port_cycles;
                if (next_fill > 0) {
                    // The preload moves in every cycle from the one whose tick completes the tile's DMA.
                    const uint64_t before = dram_.advance_until(ready(index + 1), total);
                    if (dram_.done(ready(index + 1))) {
                        const uint64_t loading = total - before + (before > 0 ? 1 : 0);
                        next_fill -= std::min(next_fill, loading);
                    }
                    dram_.advance(total - before);
                } else {
                    dram_.advance(total);
                }
                skip_cycles(cached->second.compute_cycles, compute_);
                skip_cycles(cached->second.port_cycles, buffer_stall_);
                // Shift-adds depend on the tile's selectors, not only its shape: count them from its weights.
                CounterArray counts = cached->second.counters;
                uint64_t &shifting = shift_weights[index % shift_weights.size()];
                if (shifting == UINT64_MAX) shifting = array_.shift_weights(tile);
                counts[MANTSIM_COUNTER_SHIFT_ADD] = static_cast<uint64_t>(tile.mt) * shifting;
                array_.add_counters(counts);
            } else {
            array_.begin_tile(tile);
            const CounterArray array_before = array_counters();
            const uint64_t compute_before = compute_, stall_before = buffer_stall_;
            for (uint64_t t = 0; t < span; ++t) {
                array_.step(t);
                clock_cycle(compute_);
                if (next_fill > 0 && dram_.done(ready(index + 1))) next_fill -= 1;
                // A step whose operands exceed a buffer port's width holds the array until they arrive.
                const uint64_t activation_bits = array_.last_inputs() * job_.activation_bits;
                const uint64_t weight_bits_in = array_.last_weights() * job_.weight_bits;
                const uint64_t output_bits = (first_k ? 0 : array_.last_top_outputs() * output_bits_in) +
                                             array_.last_bottom_outputs() * output_bits_out;
                const uint64_t port_cycles = std::max({ceil_div(activation_bits, abuf_port), ceil_div(weight_bits_in, wbuf_port),
                                                       ceil_div(output_bits, obuf_port), uint64_t{1}});
                for (uint64_t extra = 1; extra < port_cycles; ++extra) {
                    if (next_fill > 0 && dram_.done(ready(index + 1))) next_fill -= 1;
                    clock_cycle(buffer_stall_);
                }
            }
            if (fast) {
                CachedTile entry;
                entry.compute_cycles = compute_ - compute_before;
                entry.port_cycles = buffer_stall_ - stall_before;
                const CounterArray after = array_counters();
                for (size_t c = 0; c < after.size(); ++c) entry.counters[c] = after[c] - array_before[c];
                tile_cache.emplace(key, entry);
            }
            }
            shadow_pending = next_fill;
            if (!ws) {
                // OS: the tile's outputs leave through the OBUF port before the next tile starts.
                const uint64_t cycles = ceil_div(static_cast<uint64_t>(tile.mt) * tile.nt * 32, obuf_port);
                for (uint64_t cycle = 0; cycle < cycles; ++cycle) clock_cycle(buffer_stall_);
            }
            if (!fast) array_.end_tile();
            tiles_ += 1;
            const uint64_t carry_bits = (ws && array_.carries_out()) ? 32 * lanes : 0;
            obuf_write_ += static_cast<uint64_t>(tile.mt) * tile.nt * (32 + carry_bits);
            trace_obuf_ = static_cast<uint64_t>(tile.mt) * tile.nt * (32 + carry_bits);
            if (last_k) {
                // Final outputs: scaled by each token's activation scale, written back to DRAM.
                for (size_t m = tile.m0; m < (fast ? tile.m0 : tile.m0 + tile.mt); ++m) {
                    const float scale = fp16 ? 1.0f : half_to_float(activation_scales_[m]);
                    for (size_t n = tile.n0; n < tile.n0 + tile.nt; ++n) {
                        const float acc = accumulators_[m * N + n];
                        output_[m * N + n] = fp16 ? acc : acc * scale;
                    }
                }
                if (!fp16) output_scales_ += static_cast<uint64_t>(tile.mt) * tile.nt;
                obuf_read_ += static_cast<uint64_t>(tile.mt) * tile.nt * 32;
                dram_.request(static_cast<uint64_t>(tile.mt) * tile.nt * 32, true);
            }
        }
        drain();
    }
}

mantsim_gemm_result Accelerator::result() const {
    mantsim_gemm_result result;
    result.total_cycles = cycles_;
    result.compute_cycles = compute_ + preload_;
    result.stall_cycles = stall_ + drain_ + buffer_stall_;
    return result;
}

void Accelerator::report(CounterArray &counters) const {
    counters[MANTSIM_COUNTER_CYCLES_TOTAL] += cycles_;
    counters[MANTSIM_COUNTER_CYCLES_COMPUTE] += compute_;
    counters[MANTSIM_COUNTER_CYCLES_PRELOAD] += preload_;
    counters[MANTSIM_COUNTER_CYCLES_STALL] += stall_;
    counters[MANTSIM_COUNTER_CYCLES_DRAIN] += drain_;
    counters[MANTSIM_COUNTER_CYCLES_BUFFER_STALL] += buffer_stall_;
    counters[MANTSIM_COUNTER_OUTPUT_SCALE] += output_scales_;
    counters[MANTSIM_COUNTER_DECODER_LOOKUPS] += decoder_lookups_;
    counters[MANTSIM_COUNTER_DECODER_SCALE] += decoder_scales_;
    const uint64_t entry_bits = static_cast<uint64_t>(job_.vq_vector_length) * 16;
    counters[MANTSIM_COUNTER_DECODER_CODEBOOK_READ_BITS] += codebook_reads_ * entry_bits;
    counters[MANTSIM_COUNTER_DECODER_HOT_READ_BITS] += hot_reads_ * entry_bits;
    counters[MANTSIM_COUNTER_DECODER_CODEBOOK_WRITE_BITS] += codebook_write_bits_;
    counters[MANTSIM_COUNTER_DECODER_RESIDUAL_ADD] += residual_adds_;
    counters[MANTSIM_COUNTER_DECODER_CONFLICT_CYCLES] += conflict_cycles_;
    counters[MANTSIM_COUNTER_DECODER_CODEBOOK_LOADS] += codebook_loads_;
    counters[MANTSIM_COUNTER_DECODER_CYCLES] += decoder_cycles_;
    counters[MANTSIM_COUNTER_WBUF_READ_BITS] += wbuf_read_;
    counters[MANTSIM_COUNTER_WBUF_WRITE_BITS] += wbuf_write_;
    counters[MANTSIM_COUNTER_ABUF_READ_BITS] += abuf_read_;
    counters[MANTSIM_COUNTER_ABUF_WRITE_BITS] += abuf_write_;
    counters[MANTSIM_COUNTER_OBUF_READ_BITS] += obuf_read_;
    counters[MANTSIM_COUNTER_OBUF_WRITE_BITS] += obuf_write_;
    counters[MANTSIM_COUNTER_TILES] += tiles_;
    array_.report(counters);
    dram_.report(counters);
}

}  // namespace mantsim
