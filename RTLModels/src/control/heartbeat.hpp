// A clocked block with reset that counts its own cycles: the smallest thing that proves the
// kernel runs under Swift's control. Later blocks follow the same reset-then-loop shape.
#pragma once

#include <systemc>

#include <cstdint>

#include "common/counters.hpp"

namespace mantsim {

struct Heartbeat : sc_core::sc_module {
    sc_core::sc_in<bool> clk;

    explicit Heartbeat(sc_core::sc_module_name name);

    void reset();
    void report(CounterArray &counters) const;

  private:
    void on_clock();

    uint64_t cycles_ = 0;
    uint64_t resets_ = 0;
};

}  // namespace mantsim
