#include "memory/dram_banks.hpp"

#include <algorithm>

#include "common/field_error.hpp"

namespace mantsim {

void check_dram_timing(const DramTiming &t) {
    if (t.channels == 0 || t.channels > 1024) throw field_error("dram.channels", "expected 1..1024");
    if (t.banks == 0 || t.banks > 256) throw field_error("dram.banks", "expected 1..256");
    if (t.bus_bits == 0 || t.bus_bits % 8 != 0 || t.bus_bits > 4096) throw field_error("dram.bus_bits", "expected a multiple of 8 up to 4096");
    if (t.burst_length < 2 || t.burst_length % 2 != 0 || t.burst_length > 64) throw field_error("dram.burst_length", "expected an even 2..64");
    const uint64_t burst = uint64_t(t.bus_bits) / 8 * t.burst_length;
    if (t.row_bytes < burst || t.row_bytes % burst != 0) throw field_error("dram.row_bytes", "expected a multiple of one burst");
    if (t.tck_ps == 0 || t.tck_ps > 100000) throw field_error("dram.tck_ps", "expected 1..100000 ps");
    if (t.cycle_ps == 0 || t.cycle_ps > 1000000) throw field_error("dram.cycle_ps", "expected 1..1000000 ps");
    if (t.cl > 1000 || t.trcd > 1000 || t.trp > 1000) throw field_error("dram.cl/trcd/trp", "expected at most 1000 tCK each");
}

void DramBanks::reset(const DramTiming &timing) {
    timing_ = timing;
    bus_busy_ps_ = activations_ = precharges_ = read_bursts_ = write_bursts_ = 0;
    banks_.clear();
    bus_free_.clear();
    first_activation_ps_.clear();
    if (!enabled()) return;
    check_dram_timing(timing);
    burst_bytes_ = uint64_t(timing.bus_bits) / 8 * timing.burst_length;
    burst_ps_ = uint64_t(timing.burst_length / 2) * timing.tck_ps;
    bursts_per_row_ = timing.row_bytes / burst_bytes_;
    banks_.assign(size_t(timing.channels) * timing.banks, Bank{});
    bus_free_.assign(timing.channels, 0);
    first_activation_ps_.assign(timing.channels, UINT64_MAX);
}

uint64_t DramBanks::segment(uint32_t channel, uint32_t bank_index, int64_t row, uint64_t bursts, uint64_t start_ps, bool write) {
    Bank &bank = banks_[size_t(channel) * timing_.banks + bank_index];
    const uint64_t tck = timing_.tck_ps;
    uint64_t cas = std::max(start_ps, bank.cas_ready);
    if (bank.open_row != row) {
        // Precharge (when a row is open) once the bank's last data has left, then activate.
        const uint64_t begin = std::max(start_ps, bank.data_end);
        const uint64_t activate = begin + (bank.open_row >= 0 ? uint64_t(timing_.trp) * tck : 0);
        cas = activate + uint64_t(timing_.trcd) * tck;
        precharges_ += bank.open_row >= 0 ? 1 : 0;
        bank.open_row = row;
        activations_ += 1;
        first_activation_ps_[channel] = std::min(first_activation_ps_[channel], activate);
    }
    (write ? write_bursts_ : read_bursts_) += bursts;
    // Reads to the open row issue one burst slot apart; data follows CL later, in bus order.
    const uint64_t first = std::max(cas + uint64_t(timing_.cl) * tck, bus_free_[channel]);
    const uint64_t end = first + bursts * burst_ps_;
    bus_free_[channel] = end;
    bank.cas_ready = cas + bursts * burst_ps_;
    bank.data_end = end;
    bus_busy_ps_ += bursts * burst_ps_;
    return end;
}

DramActivity DramBanks::activity(uint64_t end_ps) const {
    DramActivity out{};
    out.activates = activations_;
    out.precharges = precharges_;
    out.read_bursts = read_bursts_;
    out.write_bursts = write_bursts_;
    for (uint64_t first : first_activation_ps_) {
        const uint64_t precharged = std::min(first, end_ps);
        out.precharged_standby_ps += precharged;
        out.active_standby_ps += end_ps - precharged;
    }
    return out;
}

uint64_t DramBanks::transfer(uint64_t address, uint64_t bytes, uint64_t start_ps, bool write) {
    if (bytes == 0) return start_ps;
    const uint64_t channels = timing_.channels, banks = timing_.banks;
    const uint64_t first = address / burst_bytes_, last = (address + bytes - 1) / burst_bytes_;
    uint64_t finish = start_ps;
    // Per channel, the transfer's bursts are consecutive column slots: walk them row segment by
    // row segment (channels take bursts in turn, so channel c holds every channels-th burst).
    for (uint64_t c = 0; c < std::min<uint64_t>(channels, last - first + 1); ++c) {
        const uint64_t own_first = first + c;
        const uint32_t channel = uint32_t(own_first % channels);
        uint64_t slot = own_first / channels;              // this channel's burst index
        const uint64_t end_slot = last / channels - (last % channels < channel ? 1 : 0);
        while (slot <= end_slot) {
            const uint64_t in_row = slot % bursts_per_row_;
            const uint64_t count = std::min(bursts_per_row_ - in_row, end_slot - slot + 1);
            const uint64_t row_index = slot / bursts_per_row_;   // bank-row pairs in address order
            finish = std::max(finish, segment(channel, uint32_t(row_index % banks), int64_t(row_index / banks), count, start_ps, write));
            slot += count;
        }
    }
    return finish;
}

}  // namespace mantsim
