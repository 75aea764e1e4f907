#include "memory/dram_channel.hpp"

#include <algorithm>

namespace mantsim {

void DramChannel::reset(uint32_t bits_per_cycle, uint32_t latency_cycles, const DramTiming &timing) {
    banks_.reset(timing);
    std::fill(std::begin(cursor_), std::end(cursor_), 0);
    last_finish_ = 0;
    queue_.clear();
    completed_.clear();
    completed_at_.clear();
    bits_per_cycle_ = bits_per_cycle;
    latency_ = latency_cycles;
    now_ = 0;
    read_bits_ = write_bits_ = busy_cycles_ = 0;
}

size_t DramChannel::request(uint64_t bits, bool write, Stream stream) {
    const size_t ticket = completed_.size();
    completed_.push_back(bits == 0);
    completed_at_.push_back(now_);
    if (bits == 0) return ticket;
    if (!banks_.enabled()) {
        queue_.push_back(Transfer{ticket, bits, now_ + latency_, write});
        return ticket;
    }
    // Each stream's region starts 2^44 bytes after the last; a transfer takes whole bursts.
    const uint64_t bytes = (bits + 7) / 8, burst = banks_.burst_bytes();
    const uint64_t address = (uint64_t(stream) << 44) + cursor_[stream];
    cursor_[stream] += (bytes + burst - 1) / burst * burst;
    const uint64_t cycle_ps = banks_.timing().cycle_ps;
    const uint64_t finish_ps = banks_.transfer(address, bytes, now_ * cycle_ps, write);
    last_finish_ = std::max({last_finish_, now_ + 1, (finish_ps + cycle_ps - 1) / cycle_ps});
    queue_.push_back(Transfer{ticket, bits, last_finish_, write});
    return ticket;
}

void DramChannel::complete_head() {
    Transfer &head = queue_.front();
    (head.write ? write_bits_ : read_bits_) += head.remaining_bits;
    last_moved_ += head.remaining_bits;
    completed_[head.ticket] = true;
    completed_at_[head.ticket] = head.ready_cycle;
    queue_.pop_front();
}

void DramChannel::tick() {
    now_ += 1;
    last_moved_ = 0;
    if (queue_.empty()) return;
    if (banks_.enabled()) {
        while (!queue_.empty() && queue_.front().ready_cycle <= now_) complete_head();
        return;
    }
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

uint64_t DramChannel::advance_banked(size_t ticket, uint64_t limit) {
    uint64_t taken = 0;
    last_moved_ = 0;
    while (taken < limit) {
        if (queue_.empty()) {
            now_ += limit - taken;
            return limit;
        }
        if (queue_.front().ready_cycle <= now_) {
            const size_t done = queue_.front().ticket;
            complete_head();
            if (done == ticket) return taken;
            continue;
        }
        const uint64_t step = std::min(limit - taken, queue_.front().ready_cycle - now_);
        now_ += step;
        taken += step;
        last_moved_ = 0;
    }
    while (!queue_.empty() && queue_.front().ready_cycle <= now_) complete_head();
    return taken;
}

uint64_t DramChannel::advance_until(size_t ticket, uint64_t limit) {
    if (ticket != SIZE_MAX && completed_[ticket]) return 0;
    if (banks_.enabled()) return advance_banked(ticket, limit);
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
    // Banked: the cycles the buses moved data, averaged over the channels.
    const uint64_t banked = banks_.enabled() ? (banks_.bus_busy_ps() / banks_.timing().channels + banks_.timing().cycle_ps - 1) / banks_.timing().cycle_ps : 0;
    counters[MANTSIM_COUNTER_DRAM_BUSY_CYCLES] += busy_cycles_ + banked;
    if (!banks_.enabled()) return;
    // Commands and standby time over the job's cycles, in channel-cycles of the accelerator's clock.
    const uint64_t cycle_ps = banks_.timing().cycle_ps;
    const DramActivity activity = banks_.activity(now_ * cycle_ps);
    counters[MANTSIM_COUNTER_DRAM_ACTIVATES] += activity.activates;
    counters[MANTSIM_COUNTER_DRAM_PRECHARGES] += activity.precharges;
    counters[MANTSIM_COUNTER_DRAM_READ_BURSTS] += activity.read_bursts;
    counters[MANTSIM_COUNTER_DRAM_WRITE_BURSTS] += activity.write_bursts;
    counters[MANTSIM_COUNTER_DRAM_ACTIVE_STANDBY_CYCLES] += activity.active_standby_ps / cycle_ps;
    counters[MANTSIM_COUNTER_DRAM_PRECHARGED_STANDBY_CYCLES] += activity.precharged_standby_ps / cycle_ps;
}

}  // namespace mantsim
