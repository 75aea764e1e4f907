#include "trace/cycle_tracer.hpp"
#include "common/field_error.hpp"

namespace mantsim {

void CycleTracer::begin(const std::string &path, uint64_t period_ps, uint32_t row, uint32_t rows, uint32_t columns, unsigned activation_width) {
    if (row >= rows) throw field_error("vcd row", "PE row " + std::to_string(row) + " is outside the array");
    if (columns > 256) throw field_error("vcd", "traces show at most 256 PE columns");
    writer_ = VcdWriter{};
    row_ = row;
    writer_.add("controller", "state", 3);
    writer_.add("controller", "tile", 32);
    writer_.add("controller", "tiles_in_flight", 8);
    writer_.add("dram", "bits_moved", 32);
    writer_.add("wbuf", "read_bits", 32);
    writer_.add("abuf", "read_bits", 32);
    writer_.add("obuf", "write_bits", 32);
    const std::string scope = "pe_row" + std::to_string(row);
    for (uint32_t c = 0; c < columns; ++c) {
        writer_.add(scope, "act_" + std::to_string(c), activation_width);
        writer_.add(scope, "psum_" + std::to_string(c), 32);
    }
    writer_.begin(path, period_ps);
}

void CycleTracer::sample(uint64_t cycle, const Sample &sample) {
    values_.assign({sample.state, sample.tile, sample.in_flight, sample.dram_bits, sample.wbuf_bits, sample.abuf_bits, sample.obuf_bits});
    values_.insert(values_.end(), sample.row.begin(), sample.row.end());
    writer_.sample(cycle, values_);
}

}  // namespace mantsim
