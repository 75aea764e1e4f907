// Counter names, in the order of mantsim_counter. Names follow Accelergy's habit of
// component.action so the Swift energy table can key on them.
#pragma once

#include <array>
#include <cstdint>

#include "mantsim_rtl.h"

namespace mantsim {

using CounterArray = std::array<uint64_t, MANTSIM_COUNTER_COUNT>;

// Whether a counter counts valid MACs of some PE type.
inline bool is_mac_counter(int counter) {
    return (counter >= MANTSIM_COUNTER_MAC_FP16 && counter <= MANTSIM_COUNTER_MAC_W3A4) ||
           (counter >= MANTSIM_COUNTER_MAC_ANT_W8A8 && counter <= MANTSIM_COUNTER_MAC_MXFP4_W5A4);
}

inline const char *counter_name(int counter) {
    static const char *const names[MANTSIM_COUNTER_COUNT] = {
        "heartbeat.cycles",        "heartbeat.resets",       "controller.cycles",
        "controller.compute_cycles", "controller.preload_cycles", "controller.stall_cycles",
        "controller.drain_cycles", "controller.buffer_stall_cycles", "pe.mac_fp16",            "pe.mac_w8a8",
        "pe.mac_w8a4",             "pe.mac_w4a8",            "pe.mac_w4a4",
        "pe.mac_w3a8",             "pe.mac_w3a4",            "pe.shift_add",
        "pe.idle",                 "sac.combine",            "sac.scale_accumulate",
        "output.scale",            "decoder.lookup",         "wbuf.read_bits",
        "wbuf.write_bits",         "abuf.read_bits",         "abuf.write_bits",
        "obuf.read_bits",          "obuf.write_bits",        "dram.read_bits",
        "dram.write_bits",         "dram.busy_cycles",       "controller.tiles",
        "kv.cycles",               "kv.key_vectors",         "kv.value_vectors",
        "kv.window_flushes",       "kv.candidate_evaluation", "kv.encode",
        "kv.window_write_bits",    "kv.window_read_bits",    "decoder.scale",
        "decoder.codebook_read_bits", "decoder.hot_read_bits", "decoder.codebook_write_bits",
        "decoder.residual_add",    "decoder.conflict_cycles", "decoder.codebook_loads",
        "decoder.cycles",          "controller.weight_link_bits", "controller.metadata_bits",
        "controller.array_busy_cycles", "pe.mac_ant_w8a8",       "pe.mac_ant_w8a4",
        "pe.mac_olive_w8a8",       "pe.mac_olive_w8a4",      "pe.mac_mxfp4_w5a8",
        "pe.mac_mxfp4_w5a4",
    };
    return (counter >= 0 && counter < MANTSIM_COUNTER_COUNT) ? names[counter] : nullptr;
}

}  // namespace mantsim
