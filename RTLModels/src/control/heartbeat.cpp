#include "control/heartbeat.hpp"

namespace mantsim {

Heartbeat::Heartbeat(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_HAS_PROCESS(Heartbeat);
    SC_METHOD(on_clock);
    sensitive << clk.pos();
    dont_initialize();
}

void Heartbeat::reset() {
    cycles_ = 0;
    resets_ += 1;
}

void Heartbeat::on_clock() { cycles_ += 1; }

void Heartbeat::report(CounterArray &counters) const {
    counters[MANTSIM_COUNTER_HEARTBEAT_CYCLES] += cycles_;
    counters[MANTSIM_COUNTER_HEARTBEAT_RESETS] += resets_;
}

}  // namespace mantsim
