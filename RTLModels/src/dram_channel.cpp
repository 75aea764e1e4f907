#include "dram_channel.hpp"

#include <algorithm>

namespace mantsim {

void DramChannel::reset(uint32_t bits_per_cycle, uint32_t latency_cycles) {
    queue_.clear();
    completed_.clear();
    bits_per_cycle_ = bits_per_cycle;
    latency_ = latency_cycles;
    now_ = 0;
    read_bits_ = write_bits_ = busy_cycles_ = 0;
}

size_t DramChannel::request(uint64_t bits, bool write) {
    const size_t ticket = completed_.size();
    completed_.push_back(bits == 0);
    if (bits > 0) queue_.push_back(Transfer{ticket, bits, now_ + latency_, write});
    return ticket;
}

void DramChannel::tick() {
    now_ += 1;
    last_moved_ = 0;
    if (queue_.empty()) return;
    Transfer &head = queue_.front();
    if (now_ <= head.ready_cycle) return;
    busy_cycles_ += 1;
    const uint64_t moved = std::min<uint64_t>(head.remaining_bits, bits_per_cycle_);
    head.remaining_bits -= moved;
    last_moved_ = moved;
    (head.write ? write_bits_ : read_bits_) += moved;
    if (head.remaining_bits == 0) {
        completed_[head.ticket] = true;
        queue_.pop_front();
    }
}

void DramChannel::report(CounterArray &counters) const {
    counters[MANTSIM_COUNTER_DRAM_READ_BITS] += read_bits_;
    counters[MANTSIM_COUNTER_DRAM_WRITE_BITS] += write_bits_;
    counters[MANTSIM_COUNTER_DRAM_BUSY_CYCLES] += busy_cycles_;
}

}  // namespace mantsim
