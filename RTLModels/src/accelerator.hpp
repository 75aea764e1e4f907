// The accelerator: a controller that runs one GEMM job as tile loops over the PE array, a DMA
// engine on one DRAM channel, and the weight, activation and output buffers. One clocked thread
// steps every block in a fixed order each cycle (DMA, then the array), so a job's timing and
// counters depend only on its inputs.
//
// Loop order (WS): for each M tile (as many tokens as the activation and output buffers hold),
// for each N tile, for each K tile: wait for the weight tile, prefetch the next one into the
// other half of the double-buffered WBUF, stream the tokens. (OS): for each M tile of R tokens,
// for each N tile of C channels: wait for the weights of those channels (all of K), prefetch the
// next, stream K. Only the job's first WS weight tile is shifted into the array in the open
// (R preload cycles); later ones load into shadow registers while the previous tile computes.
#pragma once

#include <systemc>

#include <string>
#include <tuple>
#include <vector>

#include "counters.hpp"
#include "decoders.hpp"
#include "dram_channel.hpp"
#include "pe_array.hpp"
#include "vcd_writer.hpp"

namespace mantsim {

struct Accelerator : sc_core::sc_module {
    sc_core::sc_in<bool> clk;

    explicit Accelerator(sc_core::sc_module_name name);

    // Checks the job and prepares it; throws std::invalid_argument naming the field at fault.
    void prepare(const mantsim_array_config &config, const mantsim_gemm_job &job);
    // Starts the prepared job; the thread pauses the kernel when it is done.
    void start() { start_requested_ = true; }
    bool finished() const { return finished_; }
    // Records the next prepared job as a VCD at `path` (empty: off), showing PE row `row`.
    void set_trace(const std::string &path, uint32_t row) {
        trace_path_ = path;
        trace_row_ = row;
    }
    void set_clock_period(uint64_t period_ps) { period_ps_ = period_ps; }
    // Set when the job ran past its cycle budget (a model bug, never a slow job): the job stops.
    bool timed_out() const { return timed_out_; }
    // Zeroes every counter (another block's job is about to run).
    void clear_counters();

    const std::vector<float> &output() const { return output_; }
    mantsim_gemm_result result() const;
    void report(CounterArray &counters) const;

  private:
    void run();
    void run_job();
    void clock_cycle(uint64_t &phase_counter);
    void wait_for(size_t ticket);
    void drain();
    void skip_cycles(uint64_t count, uint64_t &phase_counter);
    CounterArray array_counters() const;

    // Fast fidelity: what the first tile of a shape cost, replayed for the others.
    struct TileKey {
        size_t mt, kt, nt, group_phase;
        bool first_k, last_k;
        bool operator<(const TileKey &other) const {
            return std::tie(mt, kt, nt, group_phase, first_k, last_k) <
                   std::tie(other.mt, other.kt, other.nt, other.group_phase, other.first_k, other.last_k);
        }
    };
    struct CachedTile {
        uint64_t compute_cycles = 0, port_cycles = 0;
        CounterArray counters{};
    };
    uint64_t weight_tile_bits(const Tile &tile) const;
    // VQ: what decoding one weight tile costs, from its index stream.
    struct DecodeCost {
        uint64_t cycles = 0, bank_reads = 0, hot_reads = 0, conflict_cycles = 0;
    };
    DecodeCost decode_cost(const Tile &tile);
    void check_vq(const mantsim_array_config &config, const mantsim_gemm_job &job) const;

    void sample_trace(const uint64_t &phase_counter);

    std::string trace_path_;
    uint32_t trace_row_ = 0;
    VcdWriter trace_;
    std::vector<uint64_t> trace_values_;
    uint64_t trace_tile_ = 0, trace_wbuf_ = 0, trace_obuf_ = 0, period_ps_ = 1;
    bool start_requested_ = false;
    bool finished_ = true;
    bool timed_out_ = false;
    uint64_t cycle_budget_ = 0;

    mantsim_array_config config_{};
    mantsim_gemm_job job_{};
    DecodedWeights weights_;
    std::vector<float> accumulators_;
    std::vector<float> output_;
    std::vector<uint16_t> activation_scales_;
    PEArray array_;
    DramChannel dram_;
    size_t m_tile_ = 1;

    uint64_t cycles_ = 0, compute_ = 0, preload_ = 0, stall_ = 0, drain_ = 0, buffer_stall_ = 0, tiles_ = 0;
    uint64_t output_scales_ = 0, decoder_lookups_ = 0, decoder_scales_ = 0;
    uint64_t codebook_reads_ = 0, hot_reads_ = 0, codebook_write_bits_ = 0, residual_adds_ = 0, conflict_cycles_ = 0,
             codebook_loads_ = 0, decoder_cycles_ = 0;
    std::vector<uint32_t> bank_stamp_;
    uint64_t wbuf_read_ = 0, wbuf_write_ = 0, abuf_read_ = 0, abuf_write_ = 0, obuf_read_ = 0, obuf_write_ = 0;
};

}  // namespace mantsim
