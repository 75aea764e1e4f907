// The accelerator's controller: it owns a job's blocks (the PE array, a weight streamer with the
// WBUF ring, DRAM prefetch and VQ codebooks, the VQ decoder, an activation streamer with a
// double-buffered ABUF, an output writer, one DRAM channel) and runs the issue loop: each tile
// issues when the tile scheduler (tile_schedule.hpp) allows it. One clocked thread advances every
// block each cycle, so a job's timing and counters depend only on its inputs. A tracer, when
// asked for, observes one sample per cycle. The tile order is TileOrder's.
#pragma once

#include <systemc>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "array/pe_array.hpp"
#include "common/counters.hpp"
#include "common/tile_order.hpp"
#include "control/mapper.hpp"
#include "control/tile_schedule.hpp"
#include "kinds/decoders.hpp"
#include "kinds/vq_decoder.hpp"
#include "memory/activation_streamer.hpp"
#include "memory/dram_channel.hpp"
#include "memory/weight_streamer.hpp"
#include "trace/cycle_tracer.hpp"

namespace mantsim {

// What the controller itself counts: where its cycles went, and what its tiles moved through the
// buffers, the link and the decoders.
struct ControllerActivity {
    uint64_t cycles = 0, compute = 0, preload = 0, stall = 0, drain = 0, buffer_stall = 0, array_busy = 0, tiles = 0;
    uint64_t output_scales = 0, decoder_lookups = 0, decoder_scales = 0, link_bits = 0, metadata_bits = 0;
    uint64_t wbuf_read = 0, abuf_read = 0, obuf_read = 0, obuf_write = 0;
    void report(CounterArray &counters) const;
};

// What a job took and how it was mapped (or, planned only, the mapping with zero cycles).
struct JobSummary {
    uint64_t total_cycles = 0, compute_cycles = 0, stall_cycles = 0;
    uint64_t m_tile = 0, n_block_columns = 0, k_chunk = 0;
    bool weights_resident = false;
    uint64_t compulsory_dram_bits = 0;
};

struct Accelerator : sc_core::sc_module {
    sc_core::sc_in<bool> clk;

    explicit Accelerator(sc_core::sc_module_name name);

    // Checks the job and prepares it; throws std::invalid_argument naming the field at fault.
    void prepare(const ArraySpec &config, const GemmJob &job);
    // The checks and the mapping of a job, without decoding its weights or running it: result()
    // then gives the mapping (cycles zero).
    void plan(const ArraySpec &config, const GemmJob &job);
    // Starts the prepared job; the thread pauses the kernel when it is done.
    void start() { start_requested_ = true; }
    bool finished() const { return finished_; }
    // False when the last job's trace could not be written in full (disk full, file removed).
    bool trace_written() const { return trace_written_; }
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
    JobSummary result() const;
    void report(CounterArray &counters) const;

  private:
    void run();
    void run_job();
    // One tile: when it may issue, and what issuing it does.
    uint64_t weights_ready(size_t index, const Tile &tile);
    void issue(size_t index, const Tile &tile);
    void count_issue(const Tile &tile);
    void complete(size_t plane);

    // Time: cycle fidelity clocks the kernel and steps every tile in flight; fast fidelity jumps.
    // Both fire tile completions at the same cycles. `phase` counts cycles with no tile in flight.
    void clock_cycle(uint64_t &phase);
    // Advances until `ticket` (SIZE_MAX: none) completes or the clock reaches `until`.
    void advance(uint64_t until, size_t ticket, uint64_t &phase);
    void advance_to(uint64_t until, uint64_t &phase) { advance(until, SIZE_MAX, phase); }
    void wait_for(size_t ticket) { advance(UINT64_MAX, ticket, activity_.stall); }
    bool array_busy() const;
    uint64_t next_completion() const;
    void fire_completions();
    void account(uint64_t cycles, uint64_t &phase);

    // Fast fidelity: what the first tile of a shape cost in the array, replayed for the others.
    struct TileKey {
        size_t mt, kt, nt, group_phase;
        bool first_k, last_k;
        bool operator<(const TileKey &other) const {
            return std::tie(mt, kt, nt, group_phase, first_k, last_k) <
                   std::tie(other.mt, other.kt, other.nt, other.group_phase, other.first_k, other.last_k);
        }
    };
    void replay_tile(const Tile &tile, size_t index);
    void adopt(const ArraySpec &config, const GemmJob &job);
    void check_buffers(const ArraySpec &config, const GemmJob &job);
    // The tracer's view of the cycle just ended, counted in `phase`.
    void sample_trace(const uint64_t &phase);

    std::string trace_path_;
    uint32_t trace_row_ = 0;
    CycleTracer tracer_;
    CycleTracer::Sample sample_;
    uint64_t period_ps_ = 1;
    bool start_requested_ = false;
    bool finished_ = true;
    bool timed_out_ = false;
    bool trace_written_ = true;
    uint64_t cycle_budget_ = 0;

    ArraySpec config_{};
    GemmJob job_{};
    DecodedWeights weights_;
    SharedOperands shared_;
    std::vector<float> accumulators_;
    std::vector<float> output_;
    std::vector<uint16_t> activation_scales_;
    DramChannel dram_;
    WeightStreamer streamer_;
    ActivationStreamer rows_;
    VQDecoder vq_;
    TileOrder order_;
    TileScheduler scheduler_;
    bool fast_ = false, ws_ = true, codebook_ = false;

    // Tiles in flight, one PE-state instance each (grown on demand).
    struct InFlight {
        bool active = false;
        Tile tile;
        size_t index = 0;
        uint64_t issue = 0, span = 0;
    };
    std::vector<PEArray> arrays_;
    std::vector<InFlight> flight_;
    PEArray recorder_;  // fast fidelity: steps the first tile of each shape off the clock
    std::map<TileKey, CounterArray> tile_cache_;
    std::vector<uint64_t> shift_weights_;

    ControllerActivity activity_;
};

}  // namespace mantsim
