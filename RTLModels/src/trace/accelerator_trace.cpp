// The accelerator's VCD trace: what a job records when the caller asks for a waveform.
#include "control/accelerator.hpp"
#include "common/field_error.hpp"
#include "kinds/decoders.hpp"

#include <string>

namespace mantsim {

void Accelerator::begin_trace(const std::string &path, const ArraySpec &config) {
    if (trace_row_ >= config.rows) throw field_error("vcd row", "PE row " + std::to_string(trace_row_) + " is outside the array");
    if (config.columns > 256) throw field_error("vcd", "traces show at most 256 PE columns");
    trace_.add("controller", "state", 3);
    trace_.add("controller", "tile", 32);
    trace_.add("controller", "tiles_in_flight", 8);
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

// Controller states as the trace shows them.
enum TraceState : uint64_t { kIdle = 0, kPreload = 1, kCompute = 2, kStall = 3, kDrain = 4, kBufferStall = 5 };

void Accelerator::sample_trace(const uint64_t &phase) {
    trace_values_.clear();
    uint64_t state = kIdle;
    if (&phase == &preload_) state = kPreload;
    if (&phase == &stall_) state = kStall;
    if (&phase == &drain_) state = kDrain;
    if (&phase == &buffer_stall_) state = kBufferStall;
    // The newest tile in flight shows its registers in the traced row.
    const InFlight *newest = nullptr;
    uint64_t in_flight = 0, inputs = 0;
    for (size_t p = 0; p < flight_.size(); ++p) {
        if (!flight_[p].active) continue;
        in_flight += 1;
        inputs += arrays_[p].last_inputs();
        if (newest == nullptr || flight_[p].index > newest->index) newest = &flight_[p];
    }
    if (in_flight > 0) state = kCompute;
    trace_values_.push_back(state);
    trace_values_.push_back(newest ? newest->index : 0);
    trace_values_.push_back(in_flight);
    trace_values_.push_back(dram_.last_moved_bits());
    trace_values_.push_back(trace_wbuf_);
    trace_values_.push_back(inputs * job_.activation_bits);
    trace_values_.push_back(trace_obuf_);
    if (newest != nullptr) {
        arrays_[static_cast<size_t>(newest - flight_.data())].row_state(trace_row_, trace_values_);
    } else {
        trace_values_.resize(trace_values_.size() + 2 * config_.columns, 0);
    }
    trace_.sample(cycles_, trace_values_);
    trace_wbuf_ = 0;
    trace_obuf_ = 0;
}

}  // namespace mantsim
