/*
 * MantSim RTL model: the list of counters every block reports (RTLModels/README.md says what each
 * counts). Included by mantsim_rtl.h.
 */
#ifndef MANTSIM_RTL_COUNTERS_H
#define MANTSIM_RTL_COUNTERS_H

/* MantSim's counters, one row each: ROW(ID, "component.action"). The enum mantsim_counter
 * (MANTSIM_COUNTER_<ID>, in this order) and mantsim_rtl_counter_name are both made from this list.
 * Names follow Accelergy's component.action, so the energy table keys on them; a name starting
 * pe.mac_ counts valid MACs of one PE type. Bits as moved; PE actions per PE per cycle. */
#define MANTSIM_COUNTERS(ROW) \
    ROW(HEARTBEAT_CYCLES, "heartbeat.cycles") \
    ROW(HEARTBEAT_RESETS, "heartbeat.resets") \
    ROW(CYCLES_TOTAL, "controller.cycles")                            /* every cycle of the job */ \
    ROW(CYCLES_COMPUTE, "controller.compute_cycles")                  /* array stepping a tile */ \
    ROW(CYCLES_PRELOAD, "controller.preload_cycles")                  /* first weight tile shifting in */ \
    ROW(CYCLES_STALL, "controller.stall_cycles")                      /* waiting for DRAM data */ \
    ROW(CYCLES_DRAIN, "controller.drain_cycles")                      /* waiting for the last writes */ \
    ROW(CYCLES_BUFFER_STALL, "controller.buffer_stall_cycles")        /* held while a buffer port catches up */ \
    ROW(MAC_FP16, "pe.mac_fp16") \
    ROW(MAC_BF_R1, "pe.mac_bitfusion_r1")                             /* BitFusion: 1 product per PE cycle */ \
    ROW(MAC_BF_R2, "pe.mac_bitfusion_r2") \
    ROW(MAC_BF_R4, "pe.mac_bitfusion_r4") \
    ROW(MAC_BF_R8, "pe.mac_bitfusion_r8") \
    ROW(MAC_W8A8, "pe.mac_w8a8") \
    ROW(MAC_W8A4, "pe.mac_w8a4") \
    ROW(MAC_W4A8, "pe.mac_w4a8") \
    ROW(MAC_W4A4, "pe.mac_w4a4") \
    ROW(MAC_W3A8, "pe.mac_w3a8")                                      /* M-ANT magnitude x INT8 */ \
    ROW(MAC_W3A4, "pe.mac_w3a4") \
    ROW(SHIFT_ADD, "pe.shift_add")                                    /* M-ANT shift path */ \
    ROW(PE_IDLE, "pe.idle")                                           /* busy PE-cycles without a MAC */ \
    ROW(SAC_COMBINE, "sac.combine")                                   /* a * M + H */ \
    ROW(SAC_SCALE, "sac.scale_accumulate")                            /* acc += S * T */ \
    ROW(OUTPUT_SCALE, "output.scale")                                 /* y = acc * token scale */ \
    ROW(DECODER_LOOKUPS, "decoder.lookup") \
    ROW(WBUF_READ_BITS, "wbuf.read_bits") \
    ROW(WBUF_WRITE_BITS, "wbuf.write_bits") \
    ROW(ABUF_READ_BITS, "abuf.read_bits") \
    ROW(ABUF_WRITE_BITS, "abuf.write_bits") \
    ROW(OBUF_READ_BITS, "obuf.read_bits") \
    ROW(OBUF_WRITE_BITS, "obuf.write_bits") \
    ROW(DRAM_READ_BITS, "dram.read_bits") \
    ROW(DRAM_WRITE_BITS, "dram.write_bits") \
    ROW(DRAM_BUSY_CYCLES, "dram.busy_cycles") \
    ROW(TILES, "controller.tiles") \
    ROW(KV_CYCLES, "kv.cycles") \
    ROW(KV_KEY_VECTORS, "kv.key_vectors") \
    ROW(KV_VALUE_VECTORS, "kv.value_vectors") \
    ROW(KV_WINDOW_FLUSHES, "kv.window_flushes") \
    ROW(KV_CANDIDATES, "kv.candidate_evaluation") \
    ROW(KV_ENCODES, "kv.encode") \
    ROW(KV_WINDOW_WRITE_BITS, "kv.window_write_bits") \
    ROW(KV_WINDOW_READ_BITS, "kv.window_read_bits") \
    ROW(DECODER_SCALE, "decoder.scale")                               /* LUT: entry x group scale */ \
    ROW(DECODER_CODEBOOK_READ_BITS, "decoder.codebook_read_bits") \
    ROW(DECODER_HOT_READ_BITS, "decoder.hot_read_bits") \
    ROW(DECODER_CODEBOOK_WRITE_BITS, "decoder.codebook_write_bits") \
    ROW(DECODER_RESIDUAL_ADD, "decoder.residual_add") \
    ROW(DECODER_CONFLICT_CYCLES, "decoder.conflict_cycles") \
    ROW(DECODER_CODEBOOK_LOADS, "decoder.codebook_loads") \
    ROW(DECODER_CYCLES, "decoder.cycles") \
    ROW(WEIGHT_LINK_BITS, "controller.weight_link_bits") \
    ROW(METADATA_BITS, "controller.metadata_bits") \
    ROW(CYCLES_ARRAY_BUSY, "controller.array_busy_cycles") \
    ROW(MAC_ANT_W8A8, "pe.mac_ant_w8a8") \
    ROW(MAC_ANT_W8A4, "pe.mac_ant_w8a4") \
    ROW(MAC_OLIVE_W8A8, "pe.mac_olive_w8a8") \
    ROW(MAC_OLIVE_W8A4, "pe.mac_olive_w8a4") \
    ROW(MAC_MXFP4_W5A8, "pe.mac_mxfp4_w5a8") \
    ROW(MAC_MXFP4_W5A4, "pe.mac_mxfp4_w5a4") \
    ROW(DRAM_ACTIVATES, "dram.activates") \
    ROW(DRAM_PRECHARGES, "dram.precharges") \
    ROW(DRAM_READ_BURSTS, "dram.read_bursts") \
    ROW(DRAM_WRITE_BURSTS, "dram.write_bursts") \
    ROW(DRAM_ACTIVE_STANDBY_CYCLES, "dram.active_standby_cycles") \
    ROW(DRAM_PRECHARGED_STANDBY_CYCLES, "dram.precharged_standby_cycles")

typedef enum {
#define MANTSIM_COUNTER_ENUM_ROW(id, name) MANTSIM_COUNTER_##id,
    MANTSIM_COUNTERS(MANTSIM_COUNTER_ENUM_ROW)
#undef MANTSIM_COUNTER_ENUM_ROW
    MANTSIM_COUNTER_COUNT
} mantsim_counter;

#endif
