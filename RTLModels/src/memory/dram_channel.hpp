// The DRAM behind a DMA engine. Ideal interface: a request's data can start moving `latency`
// cycles after it is issued (requests in flight overlap their latency); data moves in issue order
// at `bits_per_cycle` bits per cycle, one request at a time. With a standard's timing (DramBanks),
// each request is laid at the next addresses of its stream (weights, activations, outputs: each
// stream its own region, read in order) and finishes when the channels' banks and buses have moved
// its bursts; requests complete in issue order. The controller ticks it once per cycle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <vector>

#include "common/counters.hpp"
#include "memory/dram_banks.hpp"

namespace mantsim {

class DramChannel {
  public:
    // The address streams requests name.
    enum Stream : uint32_t { WEIGHTS = 0, ACTIVATIONS = 1, OUTPUTS = 2, STREAMS = 3 };

    void reset(uint32_t bits_per_cycle, uint32_t latency_cycles, const DramTiming &timing = DramTiming{});

    // Queues a transfer and returns its ticket; `done(ticket)` turns true when it completes.
    size_t request(uint64_t bits, bool write, Stream stream = WEIGHTS);
    bool done(size_t ticket) const { return completed_[ticket]; }
    // The cycle from which a completed transfer's data is on chip.
    uint64_t completed_at(size_t ticket) const { return completed_at_[ticket]; }
    uint64_t now() const { return now_; }
    bool idle() const { return queue_.empty(); }
    // The transfer queued last (the channel must not be idle): it completes after all others.
    size_t last_ticket() const { return queue_.back().ticket; }
    uint64_t last_moved_bits() const { return last_moved_; }

    void tick();
    // Exactly `cycles` ticks at once.
    void advance(uint64_t cycles) { advance_until(SIZE_MAX, cycles); }
    // Ticks until `ticket` completes or `limit` ticks pass; returns the ticks taken (0 when the
    // ticket was already complete).
    uint64_t advance_until(size_t ticket, uint64_t limit);
    void report(CounterArray &counters) const;

  private:
    struct Transfer {
        size_t ticket;
        uint64_t remaining_bits;
        uint64_t ready_cycle;  // ideal: data starts after it; banked: the transfer's finish
        bool write;
    };
    uint64_t advance_banked(size_t ticket, uint64_t limit);
    void complete_head();
    DramBanks banks_;
    uint64_t cursor_[STREAMS] = {};
    uint64_t last_finish_ = 0;
    std::deque<Transfer> queue_;
    std::vector<bool> completed_;
    std::vector<uint64_t> completed_at_;
    uint32_t bits_per_cycle_ = 1;
    uint32_t latency_ = 0;
    uint64_t now_ = 0;
    uint64_t last_moved_ = 0;
    uint64_t read_bits_ = 0, write_bits_ = 0, busy_cycles_ = 0;
};

}  // namespace mantsim
