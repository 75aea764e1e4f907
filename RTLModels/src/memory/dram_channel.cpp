#include "memory/dram_channel.hpp"

#include <algorithm>

namespace mantsim {

void DramChannel::reset(uint32_t bits_per_cycle, uint32_t latency_cycles) {
    queue_.clear();
    completed_.clear();
    completed_at_.clear();
    bits_per_cycle_ = bits_per_cycle;
    latency_ = latency_cycles;
    now_ = 0;
    read_bits_ = write_bits_ = busy_cycles_ = 0;
}

size_t DramChannel::request(uint64_t bits, bool write) {
    const size_t ticket = completed_.size();
    completed_.push_back(bits == 0);
    completed_at_.push_back(now_);
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
        completed_at_[head.ticket] = now_;
        queue_.pop_front();
    }
}

uint64_t DramChannel::advance_until(size_t ticket, uint64_t limit) {
    if (ticket != SIZE_MAX && completed_[ticket]) return 0;
    uint64_t taken = 0;
    while (taken < limit) {
        if (queue_.empty()) {
            now_ += limit - taken;
            last_moved_ = 0;
            return limit;
        }
        Transfer &head = queue_.front();
        if (now_ < head.ready_cycle) {
            // Ticks that only wait out the head's latency.
            const uint64_t idle = std::min(limit - taken, head.ready_cycle - now_);
            now_ += idle;
            taken += idle;
            last_moved_ = 0;
            continue;
        }
        const uint64_t needed = (head.remaining_bits + bits_per_cycle_ - 1) / bits_per_cycle_;
        const uint64_t step = std::min(limit - taken, needed);
        const uint64_t moved = std::min<uint64_t>(head.remaining_bits, step * bits_per_cycle_);
        head.remaining_bits -= moved;
        (head.write ? write_bits_ : read_bits_) += moved;
        busy_cycles_ += step;
        now_ += step;
        taken += step;
        last_moved_ = moved - (step - 1) * bits_per_cycle_;
        if (head.remaining_bits == 0) {
            const size_t done = head.ticket;
            completed_[done] = true;
            completed_at_[done] = now_;
            queue_.pop_front();
            if (done == ticket) return taken;
        }
    }
    return taken;
}

void DramChannel::report(CounterArray &counters) const {
    counters[MANTSIM_COUNTER_DRAM_READ_BITS] += read_bits_;
    counters[MANTSIM_COUNTER_DRAM_WRITE_BITS] += write_bits_;
    counters[MANTSIM_COUNTER_DRAM_BUSY_CYCLES] += busy_cycles_;
}

}  // namespace mantsim
