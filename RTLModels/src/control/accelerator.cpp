#include "control/accelerator.hpp"
#include "common/field_error.hpp"
#include "control/job_checks.hpp"
#include "control/mapper.hpp"
#include "kinds/pe_kind.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#pragma STDC FP_CONTRACT OFF

namespace mantsim {

namespace {

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

}  // namespace

Accelerator::Accelerator(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_HAS_PROCESS(Accelerator);
    SC_THREAD(run);
    if (kThreadStackBytes > 0) set_stack_size(kThreadStackBytes);
    sensitive << clk.pos();
    dont_initialize();
}

void Accelerator::prepare(const ArraySpec &declared, const GemmJob &job) {
    // A trace request applies to this job only, whether or not it is accepted.
    const std::string trace_path = trace_path_;
    trace_path_.clear();
    check_array(declared);
    const ArraySpec config = stepped_array(declared, job);
    check_job(config, job);
    const bool fp16 = float_datapath(config.pe_type);
    weights_ = decode_weights(job, config);
    if (pe_kind(config.pe_type).codebook) VQDecoder::check(config, job);
    if (!fp16) {
        // Integer partial sums of one group must fit the PEs' 32-bit accumulators.
        const double bound = static_cast<double>(weights_.max_magnitude) * 128.0 * static_cast<double>(std::min(job.group_size, job.k));
        if (bound >= 2147483648.0) {
            throw field_error("job.group_size", "a group of " + std::to_string(job.group_size) +
                                                    " products can overflow the 32-bit PE accumulator");
        }
    }
    adopt(config, job);
    accumulators_.assign(static_cast<size_t>(job.m) * job.n, 0.0f);
    output_.assign(static_cast<size_t>(job.m) * job.n, 0.0f);
    activation_scales_.assign(fp16 ? 0 : job.m, 0);
    if (!fp16) std::copy(job.activation_scales, job.activation_scales + job.m, activation_scales_.begin());
    shared_.prepare(config, job);
    arrays_.clear();
    flight_.clear();
    recorder_.configure(config, job, weights_, accumulators_.data(), shared_);
    clear_counters();
    dram_.reset(config.dram_bits_per_cycle, config.dram_latency_cycles, config.dram_timing);
    streamer_.start(config_, job_, order_, dram_);
    // Cycle fidelity steps every PE of the array each cycle a tile is in flight: refuse jobs that
    // would take more than 2 x 10^10 PE steps (minutes of work or more) before starting them.
    if (!fast_) {
        const double r = config.rows, c = config.columns, m = job.m, k = job.k, n = job.n;
        const double steps = ws_ ? std::ceil(n / c) * std::ceil(k / r) * (m + r + c) * r * c : std::ceil(m / r) * std::ceil(n / c) * (k + r + c) * r * c;
        if (steps > 2e10) {
            throw field_error("job.fidelity", "cycle fidelity would step about " + std::to_string(static_cast<uint64_t>(steps)) +
                                                  " PE-cycles (every PE of the " + std::to_string(config.rows) + " x " + std::to_string(config.columns) +
                                                  " array each cycle), above 2e10; use fast fidelity or a smaller array");
        }
    }
    // Generous bound on any correct run: every tile's compute, weight load and every request's
    // latency, every bit over DRAM, tenfold.
    const uint64_t span = std::max<uint64_t>(job.m, job.k) + 2 * (config.rows + config.columns);
    const uint64_t tiles_bound = (static_cast<uint64_t>(job.m) + 1) * (job.n / config.columns + 1) * (job.k / config.rows + 1);
    const uint64_t bits_bound = (static_cast<uint64_t>(job.m) + job.n) * job.k * 32 + static_cast<uint64_t>(job.m) * job.n * 32;
    const uint64_t load_bound = static_cast<uint64_t>(config.rows) * config.columns * 16 / config.weight_link_bits + 1;
    cycle_budget_ = 10 * (tiles_bound * (span + load_bound + config.dram_latency_cycles + 4) + bits_bound / config.dram_bits_per_cycle) + 1000000;
    timed_out_ = false;
    finished_ = false;
    trace_written_ = true;
    if (!trace_path.empty() && fast_) throw field_error("vcd", "waveforms need cycle fidelity (fast jobs skip PE steps)");
    if (!trace_path.empty()) {
        tracer_.begin(trace_path, period_ps_, trace_row_, config.rows, config.columns, fp16 ? 32 : 16);
        sample_ = CycleTracer::Sample{};
    }
}

// Takes the job's settings and sizes its tiles to the buffers.
void Accelerator::adopt(const ArraySpec &config, const GemmJob &job) {
    config_ = config;
    job_ = job;
    fast_ = job.fidelity == MANTSIM_FIDELITY_FAST;
    ws_ = job.dataflow == MANTSIM_DATAFLOW_WEIGHT_STATIONARY;
    codebook_ = pe_kind(config.pe_type).codebook;
    check_buffers(config, job);
}

void Accelerator::plan(const ArraySpec &declared, const GemmJob &job) {
    check_array(declared);
    const ArraySpec config = stepped_array(declared, job);
    check_job(config, job);
    if (pe_kind(config.pe_type).codebook) VQDecoder::check(config, job);
    adopt(config, job);
    clear_counters();
    dram_.reset(config.dram_bits_per_cycle, config.dram_latency_cycles, config.dram_timing);
    streamer_.start(config_, job_, order_, dram_);
}

// Sizes the tiles to the buffers: WS from the mapper (mapper.cpp); OS tiles of R tokens and K
// chunks the WBUF double-buffers; the WBUF must double-buffer the largest weight tile.
void Accelerator::check_buffers(const ArraySpec &config, const GemmJob &job) {
    const bool fp16 = float_datapath(config.pe_type);
    const uint64_t activation_row_bits = static_cast<uint64_t>(job.k) * job.activation_bits + (fp16 ? 0 : 16);
    const uint64_t abuf_bits = config.activation_buffer_bytes * 8, obuf_bits = config.output_buffer_bytes * 8;
    order_ = TileOrder{};
    order_.m = job.m;
    order_.k = job.k;
    order_.n = job.n;
    order_.rows = config.rows;
    order_.columns = config.columns;
    order_.ws = ws_;
    order_.k_step = ws_ ? config.rows : job.k;
    WeightStreamer sizing;
    sizing.start(config, job, order_, dram_);
    if (ws_) {
        const bool resident_if_fits = !pe_kind(config.pe_type).codebook && sizing.total_bits() <= config.weight_buffer_bytes * 8;
        choose_mapping(config, job, order_, sizing.total_bits(), resident_if_fits);
    } else {
        const uint64_t by_abuf = abuf_bits / activation_row_bits;
        if (by_abuf == 0) {
            throw field_error("buffers.activation_bytes", "holds " + std::to_string(config.activation_buffer_bytes) +
                                                              " bytes; one token needs " + std::to_string(ceil_div(activation_row_bits, 8)));
        }
        // OS: as many tokens as PE rows (or ABUF rows of K); the output tile's FP32 sums leave
        // through double-buffered output registers into the OBUF.
        order_.m_tile = static_cast<size_t>(std::min<uint64_t>({job.m, config.rows, by_abuf}));
        if (static_cast<uint64_t>(config.rows) * config.columns * 32 > obuf_bits) {
            throw field_error("buffers.output_bytes", "holds " + std::to_string(config.output_buffer_bytes) + " bytes; one output tile needs " +
                                                          std::to_string(static_cast<uint64_t>(config.rows) * config.columns * 4));
        }
    }
    Tile largest;
    largest.nt = std::min<size_t>(job.n, config.columns);
    largest.kt = std::min<size_t>(job.k, order_.k_step);
    const uint64_t wbuf_bits = config.weight_buffer_bytes * 8;
    if (!ws_) {
        // OS: K streams in the longest chunks the WBUF double-buffers (tile bits grow with kt).
        size_t lo = 1, hi = job.k;
        while (lo < hi) {
            largest.kt = (lo + hi + 1) / 2;
            if (2 * sizing.tile_bits(largest) <= wbuf_bits) {
                lo = largest.kt;
            } else {
                hi = largest.kt - 1;
            }
        }
        largest.kt = lo;
        order_.k_step = lo;
    }
    const uint64_t double_buffer = 2 * sizing.tile_bits(largest);
    if (double_buffer > wbuf_bits) {
        throw field_error("buffers.weight_bytes", "holds " + std::to_string(config.weight_buffer_bytes) +
                                                      " bytes; two weight tiles need " + std::to_string(ceil_div(double_buffer, 8)));
    }
}

// Thrown inside the thread to abandon a job that exceeded its budget; caught in run().
struct BudgetExceeded {};

bool Accelerator::array_busy() const {
    for (const InFlight &tile : flight_) {
        if (tile.active) return true;
    }
    return false;
}

uint64_t Accelerator::next_completion() const {
    uint64_t next = UINT64_MAX;
    for (const InFlight &tile : flight_) {
        if (tile.active) next = std::min(next, tile.issue + tile.span);
    }
    return next;
}

void Accelerator::fire_completions() {
    // In issue order, so that output writes queue the same way in both fidelities.
    while (true) {
        size_t pick = SIZE_MAX;
        for (size_t p = 0; p < flight_.size(); ++p) {
            const InFlight &tile = flight_[p];
            if (!tile.active || tile.issue + tile.span > activity_.cycles) continue;
            if (pick == SIZE_MAX || tile.index < flight_[pick].index) pick = p;
        }
        if (pick == SIZE_MAX) return;
        complete(pick);
    }
}

void Accelerator::account(uint64_t cycles, uint64_t &phase) {
    if (array_busy()) {
        activity_.compute += cycles;
        activity_.array_busy += cycles;
    } else {
        phase += cycles;
    }
    activity_.cycles += cycles;
    if (activity_.cycles > cycle_budget_) throw BudgetExceeded{};
}

void Accelerator::clock_cycle(uint64_t &phase) {
    fire_completions();
    for (size_t p = 0; p < flight_.size(); ++p) {
        if (flight_[p].active) arrays_[p].step(activity_.cycles - flight_[p].issue);
    }
    dram_.tick();
    account(1, phase);
    if (tracer_.active()) sample_trace(phase);
    wait();
}

void Accelerator::advance(uint64_t until, size_t ticket, uint64_t &phase) {
    auto pending = [&] { return ticket == SIZE_MAX ? activity_.cycles < until : !dram_.done(ticket); };
    while (pending()) {
        if (!fast_) {
            clock_cycle(phase);
            continue;
        }
        // The kernel's clock does not run through these cycles: toggling it tens of millions of
        // times while no process acts would cost more than the whole job. Nothing but the DRAM
        // channel moves between two tile completions, so its ticks are taken at once.
        fire_completions();
        const uint64_t event = next_completion();
        uint64_t limit = std::min(event, ticket == SIZE_MAX ? until : cycle_budget_ + 1);
        limit = limit > activity_.cycles ? limit - activity_.cycles : 1;
        uint64_t taken = limit;
        if (ticket == SIZE_MAX) {
            dram_.advance(limit);
        } else {
            taken = dram_.advance_until(ticket, limit);
        }
        account(taken, phase);
    }
}

void Accelerator::clear_counters() {
    activity_ = ControllerActivity{};
    vq_.clear_counters();
    for (PEArray &array : arrays_) array.reset_counters();
    recorder_.reset_counters();
    dram_.reset(1, 0);
    streamer_ = WeightStreamer{};
    rows_ = ActivationStreamer{};
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
        trace_written_ = tracer_.finish(!timed_out_);
        finished_ = true;
        sc_core::sc_pause();
    }
}

JobSummary Accelerator::result() const {
    JobSummary result;
    result.total_cycles = activity_.cycles;
    result.compute_cycles = activity_.compute + activity_.preload;
    result.stall_cycles = activity_.stall + activity_.drain + activity_.buffer_stall;
    result.m_tile = order_.m_tile;
    result.n_block_columns = std::min<uint64_t>(static_cast<uint64_t>(order_.n_block) * order_.columns, order_.n);
    result.k_chunk = std::min<uint64_t>(static_cast<uint64_t>(order_.chunk_tiles()) * order_.k_step, order_.k);
    result.weights_resident = streamer_.resident();
    const bool fp16 = float_datapath(config_.pe_type);
    result.compulsory_dram_bits = streamer_.total_bits() + static_cast<uint64_t>(order_.m) * (order_.k * job_.activation_bits + (fp16 ? 0 : 16)) +
                                  static_cast<uint64_t>(order_.m) * order_.n * 32;
    return result;
}

void ControllerActivity::report(CounterArray &counters) const {
    counters[MANTSIM_COUNTER_CYCLES_TOTAL] += cycles;
    counters[MANTSIM_COUNTER_CYCLES_COMPUTE] += compute;
    counters[MANTSIM_COUNTER_CYCLES_PRELOAD] += preload;
    counters[MANTSIM_COUNTER_CYCLES_STALL] += stall;
    counters[MANTSIM_COUNTER_CYCLES_DRAIN] += drain;
    counters[MANTSIM_COUNTER_CYCLES_BUFFER_STALL] += buffer_stall;
    counters[MANTSIM_COUNTER_CYCLES_ARRAY_BUSY] += array_busy;
    counters[MANTSIM_COUNTER_OUTPUT_SCALE] += output_scales;
    counters[MANTSIM_COUNTER_DECODER_LOOKUPS] += decoder_lookups;
    counters[MANTSIM_COUNTER_DECODER_SCALE] += decoder_scales;
    counters[MANTSIM_COUNTER_WBUF_READ_BITS] += wbuf_read;
    counters[MANTSIM_COUNTER_ABUF_READ_BITS] += abuf_read;
    counters[MANTSIM_COUNTER_OBUF_READ_BITS] += obuf_read;
    counters[MANTSIM_COUNTER_OBUF_WRITE_BITS] += obuf_write;
    counters[MANTSIM_COUNTER_TILES] += tiles;
    counters[MANTSIM_COUNTER_WEIGHT_LINK_BITS] += link_bits;
    counters[MANTSIM_COUNTER_METADATA_BITS] += metadata_bits;
}

void Accelerator::report(CounterArray &counters) const {
    activity_.report(counters);
    vq_.report(counters);
    // Every PE of a busy array cycle that did not MAC idles, whichever tile its band belongs to.
    CounterArray pe{};
    for (const PEArray &array : arrays_) array.report(pe);
    recorder_.report(pe);
    uint64_t macs = 0;
    for (int c = 0; c < MANTSIM_COUNTER_COUNT; ++c) macs += is_mac_counter(c) ? pe[c] : 0;
    pe[MANTSIM_COUNTER_PE_IDLE] = activity_.array_busy * config_.rows * config_.columns - macs;
    for (size_t c = 0; c < pe.size(); ++c) counters[c] += pe[c];
    streamer_.report(counters);
    rows_.report(counters);
    dram_.report(counters);
}

void Accelerator::sample_trace(const uint64_t &phase) {
    CycleTracer::Sample &sample = sample_;
    sample.state = &phase == &activity_.preload ? CycleTracer::kPreload
                   : &phase == &activity_.stall ? CycleTracer::kStall
                   : &phase == &activity_.drain ? CycleTracer::kDrain
                   : &phase == &activity_.buffer_stall ? CycleTracer::kBufferStall
                                                       : CycleTracer::kIdle;
    // The newest tile in flight shows its registers in the traced row.
    const InFlight *newest = nullptr;
    uint64_t in_flight = 0, inputs = 0;
    for (size_t p = 0; p < flight_.size(); ++p) {
        if (!flight_[p].active) continue;
        in_flight += 1;
        inputs += arrays_[p].last_inputs();
        if (newest == nullptr || flight_[p].index > newest->index) newest = &flight_[p];
    }
    if (in_flight > 0) sample.state = CycleTracer::kCompute;
    sample.tile = newest ? newest->index : 0;
    sample.in_flight = in_flight;
    sample.dram_bits = dram_.last_moved_bits();
    sample.abuf_bits = inputs * job_.activation_bits;
    sample.row.clear();
    if (newest != nullptr) {
        arrays_[static_cast<size_t>(newest - flight_.data())].row_state(tracer_.row(), sample.row);
    } else {
        sample.row.assign(2 * config_.columns, 0);
    }
    tracer_.sample(activity_.cycles, sample);
    sample.wbuf_bits = 0;
    sample.obuf_bits = 0;
}

}  // namespace mantsim
