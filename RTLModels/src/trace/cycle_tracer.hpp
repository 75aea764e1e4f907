// The accelerator's waveform: which signals a traced job records and how a cycle's sample maps
// onto them. The controller fills a Sample each cycle; the tracer owns the signal list and the
// VCD file, and knows nothing of the blocks it observes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace/vcd_writer.hpp"

namespace mantsim {

class CycleTracer {
  public:
    // The controller's states as the trace shows them.
    enum State : uint64_t { kIdle = 0, kPreload = 1, kCompute = 2, kStall = 3, kDrain = 4, kBufferStall = 5 };

    // One cycle as the blocks saw it; `row` holds the traced PE row's activation and partial sum
    // of each column, in column order (zeros when no tile is in flight).
    struct Sample {
        uint64_t state = kIdle, tile = 0, in_flight = 0;
        uint64_t dram_bits = 0, wbuf_bits = 0, abuf_bits = 0, obuf_bits = 0;
        std::vector<uint64_t> row;
    };

    // Opens `path` for an array of `rows` x `columns` PEs, showing PE row `row` with activations
    // `activation_width` bits wide; throws std::invalid_argument naming the setting at fault.
    void begin(const std::string &path, uint64_t period_ps, uint32_t row, uint32_t rows, uint32_t columns, unsigned activation_width);
    bool active() const { return writer_.active(); }
    uint32_t row() const { return row_; }
    void sample(uint64_t cycle, const Sample &sample);
    // Closes the file (removed unless `keep`); false when it could not be written in full.
    bool finish(bool keep) { return writer_.finish(keep); }

  private:
    VcdWriter writer_;
    std::vector<uint64_t> values_;
    uint32_t row_ = 0;
};

}  // namespace mantsim
