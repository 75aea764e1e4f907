/*
 * MantSim RTL model: the only interface Swift sees of the SystemC accelerator.
 *
 * Conventions: opaque handles, plain-data structs the caller fills in full (the defaults live with
 * the Swift configs that set them), create/free pairs, an `int` status (MANTSIM_OK or an error
 * code) and `mantsim_rtl_last_error()` for the message. No C++ exception and no SystemC report
 * crosses this boundary.
 *
 * SystemC elaborates once per process and cannot be restarted, so the module tree behind every
 * handle is the same one; a new handle resets it. Use one handle at a time.
 */
#ifndef MANTSIM_RTL_H
#define MANTSIM_RTL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mantsim_rtl mantsim_rtl;

enum {
    MANTSIM_OK = 0,
    MANTSIM_E_INVALID_ARGUMENT = 1,
    MANTSIM_E_SYSTEMC = 2,
    MANTSIM_E_INTERNAL = 3,
};

/* MantSim's counters, one row each: ROW(ID, "component.action"). The enum mantsim_counter
 * (MANTSIM_COUNTER_<ID>, in this order) and the names mantsim_rtl_counter_name returns are both made
 * from this list: a new counter is one new row. Names follow Accelergy's component.action, so the
 * energy table keys on them; a name starting pe.mac_ counts valid MACs of one PE type. Bits are
 * counted as moved; PE actions per PE per cycle; cycles per controller cycle. */
#define MANTSIM_COUNTERS(ROW) \
    ROW(HEARTBEAT_CYCLES, "heartbeat.cycles") \
    ROW(HEARTBEAT_RESETS, "heartbeat.resets") \
    ROW(CYCLES_TOTAL, "controller.cycles")                            /* controller: every cycle of the job */ \
    ROW(CYCLES_COMPUTE, "controller.compute_cycles")                  /* array stepping a tile (fill and drain included) */ \
    ROW(CYCLES_PRELOAD, "controller.preload_cycles")                  /* first weight tile shifted into the array */ \
    ROW(CYCLES_STALL, "controller.stall_cycles")                      /* waiting for DRAM data */ \
    ROW(CYCLES_DRAIN, "controller.drain_cycles")                      /* waiting for the last output writes */ \
    ROW(CYCLES_BUFFER_STALL, "controller.buffer_stall_cycles")        /* array held while a buffer port catches up */ \
    ROW(MAC_FP16, "pe.mac_fp16")                                      /* FP16 x FP16 -> FP32 multiply-accumulate */ \
    ROW(MAC_BF_R1, "pe.mac_bitfusion_r1")                             /* BitFusion product at 1 per PE cycle (8b x 8b) */ \
    ROW(MAC_BF_R2, "pe.mac_bitfusion_r2")                             /* at 2 per PE cycle (4b x 8b, 8b x 4b) */ \
    ROW(MAC_BF_R4, "pe.mac_bitfusion_r4")                             /* at 4 (2b x 8b, 4b x 4b) */ \
    ROW(MAC_BF_R8, "pe.mac_bitfusion_r8")                             /* at 8 (2b x 4b) */ \
    ROW(MAC_W8A8, "pe.mac_w8a8")                                      /* 8-bit x 8-bit (INT8) */ \
    ROW(MAC_W8A4, "pe.mac_w8a4") \
    ROW(MAC_W4A8, "pe.mac_w4a8")                                      /* INT4 weights x INT8 activations */ \
    ROW(MAC_W4A4, "pe.mac_w4a4") \
    ROW(MAC_W3A8, "pe.mac_w3a8")                                      /* M-ANT magnitude x INT8 (MAC path) */ \
    ROW(MAC_W3A4, "pe.mac_w3a4") \
    ROW(SHIFT_ADD, "pe.shift_add")                                    /* M-ANT shift path: +-(x << i) */ \
    ROW(PE_IDLE, "pe.idle")                                           /* PE-cycles of a compute cycle without a valid MAC */ \
    ROW(SAC_COMBINE, "sac.combine")                                   /* SAC: a * M + H (integer multiply by a) */ \
    ROW(SAC_SCALE, "sac.scale_accumulate")                            /* SAC: acc += S * T (FP32 multiply and add) */ \
    ROW(OUTPUT_SCALE, "output.scale")                                 /* y = acc * activation scale (FP32 multiply) */ \
    ROW(DECODER_LOOKUPS, "decoder.lookup")                            /* weight codes decoded on their way into the array */ \
    ROW(WBUF_READ_BITS, "wbuf.read_bits") \
    ROW(WBUF_WRITE_BITS, "wbuf.write_bits") \
    ROW(ABUF_READ_BITS, "abuf.read_bits") \
    ROW(ABUF_WRITE_BITS, "abuf.write_bits") \
    ROW(OBUF_READ_BITS, "obuf.read_bits") \
    ROW(OBUF_WRITE_BITS, "obuf.write_bits") \
    ROW(DRAM_READ_BITS, "dram.read_bits") \
    ROW(DRAM_WRITE_BITS, "dram.write_bits") \
    ROW(DRAM_BUSY_CYCLES, "dram.busy_cycles")                         /* cycles moving data */ \
    ROW(TILES, "controller.tiles") \
    ROW(KV_CYCLES, "kv.cycles")                                       /* KV engine: cycles it works (search, encode, latency) */ \
    ROW(KV_KEY_VECTORS, "kv.key_vectors")                             /* K vectors quantized to M-ANT */ \
    ROW(KV_VALUE_VECTORS, "kv.value_vectors")                         /* V vectors quantized to INT8 into the window */ \
    ROW(KV_WINDOW_FLUSHES, "kv.window_flushes")                       /* full windows requantized to M-ANT (stage 2) */ \
    ROW(KV_CANDIDATES, "kv.candidate_evaluation")                     /* value x candidate-grid error evaluations */ \
    ROW(KV_ENCODES, "kv.encode")                                      /* values rounded onto a chosen grid or INT8 */ \
    ROW(KV_WINDOW_WRITE_BITS, "kv.window_write_bits") \
    ROW(KV_WINDOW_READ_BITS, "kv.window_read_bits") \
    ROW(DECODER_SCALE, "decoder.scale")                               /* LUT decoder: table entry x group scale (FP16 multiply) */ \
    ROW(DECODER_CODEBOOK_READ_BITS, "decoder.codebook_read_bits")     /* VQ: entries read from the codebook SRAM banks */ \
    ROW(DECODER_HOT_READ_BITS, "decoder.hot_read_bits")               /* VQ: entries read from the hot-entry store */ \
    ROW(DECODER_CODEBOOK_WRITE_BITS, "decoder.codebook_write_bits")   /* VQ: codebooks (and hot entries) filled from DRAM */ \
    ROW(DECODER_RESIDUAL_ADD, "decoder.residual_add")                 /* VQ: one residual stage's value added (FP32 add) */ \
    ROW(DECODER_CONFLICT_CYCLES, "decoder.conflict_cycles")           /* VQ: decode cycles cut short by a busy bank or hot port */ \
    ROW(DECODER_CODEBOOK_LOADS, "decoder.codebook_loads")             /* VQ: codebook switches (a scope's codebooks fetched) */ \
    ROW(DECODER_CYCLES, "decoder.cycles")                             /* VQ: cycles the decoder spends on weight tiles */ \
    ROW(WEIGHT_LINK_BITS, "controller.weight_link_bits")              /* weight codes carried by the link into the PEs' shadow registers */ \
    ROW(METADATA_BITS, "controller.metadata_bits")                    /* group metadata (scales, selectors) carried to the SAC rows */ \
    ROW(CYCLES_ARRAY_BUSY, "controller.array_busy_cycles")            /* cycles with at least one tile in the array */ \
    ROW(MAC_ANT_W8A8, "pe.mac_ant_w8a8")                              /* ANT: decoded weight (sign + 7-bit magnitude, PoT up to 64) x INT8 */ \
    ROW(MAC_ANT_W8A4, "pe.mac_ant_w8a4") \
    ROW(MAC_OLIVE_W8A8, "pe.mac_olive_w8a8")                          /* OliVe: decoded pair value (outliers up to 96, 8 bits signed) x INT8 */ \
    ROW(MAC_OLIVE_W8A4, "pe.mac_olive_w8a4") \
    ROW(MAC_MXFP4_W5A8, "pe.mac_mxfp4_w5a8")                          /* MXFP4: twice the E2M1 value (up to 12, 5 bits signed) x INT8 */ \
    ROW(MAC_MXFP4_W5A4, "pe.mac_mxfp4_w5a4") \
    ROW(DRAM_ACTIVATES, "dram.activates")                             /* banked DRAM: row activations (ACT) */ \
    ROW(DRAM_PRECHARGES, "dram.precharges")                           /* precharges of an open row before another's ACT */ \
    ROW(DRAM_READ_BURSTS, "dram.read_bursts")                         /* read bursts (RD), BL transfers each */ \
    ROW(DRAM_WRITE_BURSTS, "dram.write_bursts")                       /* write bursts (WR) */ \
    ROW(DRAM_ACTIVE_STANDBY_CYCLES, "dram.active_standby_cycles")     /* channel-cycles with a row open */ \
    ROW(DRAM_PRECHARGED_STANDBY_CYCLES, "dram.precharged_standby_cycles") /* channel-cycles with every bank closed */

/* Counters every block reports, one per row of MANTSIM_COUNTERS; mantsim_rtl_read_counters reads
 * them all at once. */
typedef enum {
#define MANTSIM_COUNTER_ENUM_ROW(id, name) MANTSIM_COUNTER_##id,
    MANTSIM_COUNTERS(MANTSIM_COUNTER_ENUM_ROW)
#undef MANTSIM_COUNTER_ENUM_ROW
    MANTSIM_COUNTER_COUNT
} mantsim_counter;

/* PE types: one array per type. */
enum {
    MANTSIM_PE_FP16 = 0,   /* FP16 x FP16 -> FP32 MAC, no SAC */
    MANTSIM_PE_INT = 1,    /* symmetric INT2..8 weights x INT8/INT4, group scales in the SAC */
    MANTSIM_PE_MANT = 2,   /* M-ANT fused: MAC path + shift path, SAC combines a*M + H */
    MANTSIM_PE_ANT = 3,    /* ANT decode-then-MAC */
    MANTSIM_PE_OLIVE = 4,  /* OliVe pair decode-then-MAC */
    MANTSIM_PE_MXFP4 = 5,  /* MXFP4 E2M1 decode-then-MAC, E8M0 block scale in the SAC */
    MANTSIM_PE_LUT = 6,    /* FLUTE-style table: FP16 table[q] x group scale at the decoder, or the scale in a
                              SAC row (decoder.lut.scale); FP16 x FP16 -> FP32 MAC (kinds/pe_kind_lut.cpp) */
    MANTSIM_PE_VQ = 7,     /* VQ-LLM-style codebooks: a banked codebook SRAM and a hot-entry store decode
                              each vector to FP16; FP16 x FP16 -> FP32 MAC, weight-stationary only
                              (kinds/pe_kind_vq.cpp; decode timing: kinds/vq_decoder.cpp) */
    MANTSIM_PE_BITFUSION = 8, /* BitFusion-style precision-scalable PEs: symmetric INT2..8 weights x INT8/INT4, r products
                                 per PE per cycle by the operands' widths (kinds/pe_kind_bitfusion.cpp), group
                                 scales in the SAC */
    MANTSIM_PE_TYPE_COUNT
};

/* What the model knows about a PE type (its PE kind), for weights of `weight_bits` and
 * activations of `activation_bits`: the one place the callers learn these traits from. */
typedef struct {
    const char *name;          /* "fp16", "int", "mant", ... */
    int32_t float_datapath;    /* PEs multiply FP16 values */
    int32_t shift_lane;        /* a second (shift) lane: M-ANT */
    int32_t group_metadata;    /* group scales (and selectors) travel with the weights */
    int32_t mac_counter;       /* MANTSIM_COUNTER_* of one valid MAC */
    uint32_t products_per_cycle; /* products one PE makes per cycle at these widths (BitFusion: r; others 1);
                                    the caller runs the job on products_per_cycle x rows PE rows */
} mantsim_pe_kind_info;

/* Fills *out; MANTSIM_E_INVALID_ARGUMENT for an unknown type (message from mantsim_rtl_last_error(NULL)). */
int mantsim_pe_kind(int32_t pe_type, uint32_t weight_bits, uint32_t activation_bits, mantsim_pe_kind_info *out);

/* Which weights share one set of VQ codebooks (one per residual stage). Tile: square tiles of
 * scope_size x scope_size weights of the stored [rows, K] matrix; rows: runs of scope_size
 * output channels. */
enum { MANTSIM_VQ_SCOPE_TENSOR = 0, MANTSIM_VQ_SCOPE_TILE = 1, MANTSIM_VQ_SCOPE_ROWS = 2 };

/* Which way a VQ vector runs through the stored [rows, K] matrix. Reduction: v consecutive weights
 * of a row along K, vectors numbered row by row. Output: the weights at one k of v consecutive rows
 * (a V cache read as V^T, whose vectors couple head channels of one token), vectors numbered by
 * block of v rows, then k. */
enum { MANTSIM_VQ_AXIS_REDUCTION = 0, MANTSIM_VQ_AXIS_OUTPUT = 1 };

enum { MANTSIM_LUT_SCALE_DECODER = 0, MANTSIM_LUT_SCALE_SAC = 1 };

enum { MANTSIM_DATAFLOW_WEIGHT_STATIONARY = 0, MANTSIM_DATAFLOW_OUTPUT_STATIONARY = 1 };

/* Pipelined: tiles overlap in the array. WS: every PE holds two weight registers; a row of the
 * shadow set is written over the weight link once the tile that used it has left that row, and a
 * tile issues as soon as the previous one has streamed its tokens, its weights reach each row
 * before its first token does, its activations are on chip, and (for a later K tile) the partial
 * sums it continues have left the array. OS: a tile starts when the previous one has fed its last
 * K step; double-buffered output registers drain while the next tile computes.
 * Serial: SCALE-Sim's schedule. A WS fold preloads its weights in the open (max(R, link cycles))
 * and streams with fill and drain before the next fold starts; an OS fold computes, then drains its
 * outputs, before the next starts. */
enum { MANTSIM_TIMING_PIPELINED = 0, MANTSIM_TIMING_SERIAL = 1 };

/* Searched: per GEMM the controller picks, among the weight-stationary mappings the buffers hold
 * (tokens per M tile; every row of K in the ABUF, or K chunks loaded again per N block; N tiles per
 * block of partial sums in the OBUF), the one that moves the fewest DRAM bits, keeping the fixed
 * nest on a tie. Fixed: the nest of M tiles as large as the ABUF holds every row of K. A WBUF that
 * holds every weight tile keeps them (each read once) under either. */
enum { MANTSIM_MAPPING_SEARCHED = 0, MANTSIM_MAPPING_FIXED = 1 };

/* Cycle: every tile steps the PE array on the clock. Fast: the first tile of each distinct shape
 * (rows, columns, tokens, group phase, first/last K tile) steps the array off the clock; later
 * tiles of that shape add its array counters (shift-adds counted from each tile's own weights).
 * Both compute the same schedule (issue cycles, weight loads, DMA, completions), so their cycles
 * agree. Fast jobs produce no outputs, and the kernel's clock does not run through their cycles:
 * they are counted in the job's cycles (result and counters) without toggling it. */
enum { MANTSIM_FIDELITY_CYCLE = 0, MANTSIM_FIDELITY_FAST = 1 };

/* The decoder parameters of an array, one member per PE kind that has any (the array's pe_type is
 * the tag). LUT: where the group scale is applied (MANTSIM_LUT_SCALE_*). VQ: the codebook SRAM (it
 * holds as many scopes' codebooks as fit; more than one lets the next scope's codebooks prefetch
 * while the current one decodes), its banks (one entry read per bank per cycle), the hot-entry
 * store (the hot_entries most used entries of each stage's codebook, hot_ports reads per cycle)
 * and the lookups issued per cycle. */
typedef struct {
    int32_t scale;
} mantsim_lut_params;

typedef struct {
    uint64_t codebook_bytes;
    uint32_t codebook_banks;
    uint32_t hot_entries;
    uint32_t hot_ports;
    uint32_t lanes;
} mantsim_vq_decoder_params;

typedef union {
    mantsim_lut_params lut;
    mantsim_vq_decoder_params vq;
} mantsim_decoder_params;

/* DRAM channels of one standard with a row buffer per bank (memory/dram_banks.hpp). Addresses
 * interleave across channels burst by burst, then run along a row's columns, then across banks,
 * then rows. A burst to a bank's open row waits CL; to another row the bank first precharges (tRP,
 * when a row is open) and activates (tRCD), after its previous burst's data has left. Each
 * channel's data bus moves one burst in burst_length / 2 tCK (data on both edges), first come
 * first served. Zero channels: the ideal interface (dram_bits_per_cycle, dram_latency_cycles). */
typedef struct {
    uint32_t channels;             /* independent channels, each its own bus and banks */
    uint32_t banks;                /* banks per channel */
    uint32_t bus_bits;             /* data bits per channel */
    uint32_t burst_length;         /* transfers per burst (BL) */
    uint32_t row_bytes;            /* bytes of one row of one bank (the page) */
    uint32_t tck_ps;               /* DRAM clock period in picoseconds */
    uint32_t cl, trcd, trp;        /* read latency, activate-to-read, precharge, in tCK */
    uint32_t cycle_ps;             /* the accelerator's clock period in picoseconds */
} mantsim_dram_timing;

/* When each of `count` transfers (byte address, bytes) queued at time 0 in this order finishes on
 * these DRAM channels, in picoseconds (finish_ps[i]): the channels' timing alone, for tests and
 * studies of a standard. */
int mantsim_dram_timing_run(const mantsim_dram_timing *timing, const uint64_t *addresses, const uint64_t *bytes, size_t count,
                            uint64_t *finish_ps);

/* The commands a run of transfers issued, and the standby time of its channels from 0 to an end
 * time: what DRAM energy is computed from (the rows stay open until another row of their bank is
 * needed, so a channel is in precharged standby until its first activation, active after). */
typedef struct {
    uint64_t activates, precharges, read_bursts, write_bursts;
    uint64_t active_standby_ps, precharged_standby_ps;  /* summed over channels */
} mantsim_dram_activity;

/* As mantsim_dram_timing_run, each transfer a read or (writes[i] != 0) a write, and the activity
 * up to end_ps (0: the last transfer's finish). writes may be NULL (all reads). */
int mantsim_dram_timing_activity(const mantsim_dram_timing *timing, const uint64_t *addresses, const uint64_t *bytes,
                                 const uint8_t *writes, size_t count, uint64_t end_ps, uint64_t *finish_ps,
                                 mantsim_dram_activity *activity);

typedef struct {
    uint32_t rows;                 /* PE rows R (reduction axis in WS, tokens in OS) */
    uint32_t columns;              /* PE columns C (output channels) */
    int32_t pe_type;               /* MANTSIM_PE_* */
    uint64_t weight_buffer_bytes;  /* WBUF, double-buffered weight tiles */
    uint64_t activation_buffer_bytes;
    uint64_t output_buffer_bytes;
    /* Buffer ports: each buffer moves banks x bank_bits bits per cycle to or from the array. */
    uint32_t weight_buffer_banks, weight_buffer_bank_bits;
    uint32_t activation_buffer_banks, activation_buffer_bank_bits;
    uint32_t output_buffer_banks, output_buffer_bank_bits;
    uint32_t dram_bits_per_cycle;
    uint32_t dram_latency_cycles;
    /* A DRAM standard's channels, banks and timing (dram_timing.channels > 0): replaces the ideal
     * interface of dram_bits_per_cycle and dram_latency_cycles for the array's transfers. */
    mantsim_dram_timing dram_timing;
    /* Weight link: bits of weight codes per cycle from the WBUF (through the decoders) into the
     * whole array's shadow registers; group metadata travels to the SAC rows on its own path. */
    uint32_t weight_link_bits;
    uint32_t weight_sets;          /* weight registers per PE (2: double-buffered; 3 or more lets the
                                      link fill a set while two tiles' waves still cross the array) */
    int32_t timing;                /* MANTSIM_TIMING_* */
    int32_t mapping;               /* MANTSIM_MAPPING_* */
    mantsim_decoder_params decoder; /* read by the PE kind of pe_type alone: .lut for MANTSIM_PE_LUT,
                                       .vq for MANTSIM_PE_VQ; no other kind has decoder parameters */
} mantsim_array_config;

/* How a kind's codes run through the stored [rows, K] matrix, one member per PE kind whose codes
 * are not one per weight. VQ: weight_bits is the index width (entries = 2^weight_bits);
 * weight_codes holds P*K/v vectors in axis order, each with `stages` indices. */
typedef struct {
    uint32_t vector_length;        /* v: 2, 4 or 8 weights */
    uint32_t stages;               /* 1 or 2 residual stages */
    int32_t scope;                 /* MANTSIM_VQ_SCOPE_* */
    uint32_t scope_size;
    int32_t axis;                  /* MANTSIM_VQ_AXIS_* */
} mantsim_vq_layout;

typedef union {
    mantsim_vq_layout vq;
} mantsim_code_layout;

/* One GEMM Y[M][N] = X[M][K] * W[N][K]^T. Weights are codes of the PE type's format, row-major
 * [n][k], with per-group metadata [n][group] for groups of `group_size` along k (the last group
 * of a row may be shorter). Integer PE types read activations as integers with one FP16 scale per
 * token; the FP16 PE reads FP16 activations. */
typedef struct {
    uint32_t m, k, n;
    int32_t dataflow;              /* MANTSIM_DATAFLOW_* */
    uint32_t group_size;
    uint32_t weight_bits;          /* bits per weight code */
    uint32_t metadata_bits;        /* bits of metadata per group (scale + selector/type) */
    uint32_t activation_bits;      /* 8 or 4 for integer PEs, 16 for FP16 */
    const uint16_t *weight_codes;  /* P*K (P: weight_row_period, or N) */
    const uint16_t *group_scales;  /* P*groups: FP16 bits (MXFP4: E8M0 exponent) ; NULL for FP16 */
    const uint8_t *group_selectors;/* N*groups: M-ANT selector, ANT type; NULL otherwise */
    const int8_t *activations;     /* M*K integers (integer PE types) */
    const uint16_t *activation_fp16; /* M*K FP16 bits (FP16 PE) */
    const uint16_t *activation_scales; /* M FP16 bits (integer PE types) */
    float *output;                 /* M*N, written on success (cycle fidelity only; may be NULL in fast) */
    int32_t fidelity;              /* MANTSIM_FIDELITY_* */
    uint32_t weight_row_period;    /* 0 or N: the codes and metadata hold all N weight rows; P < N:
                                      they hold P rows and output channel n uses row n % P (a
                                      repeating operand, stored once) */
    /* The decoder's payload, FP16 bits: a LUT array's table (2^weight_bits entries), a VQ array's
     * codebooks (scope, stage, entry, element order). NULL for the other kinds. */
    const uint16_t *decoder_payload;
    uint32_t decoder_payload_values;
    mantsim_code_layout layout;    /* read by the PE kind of the array alone: .vq for MANTSIM_PE_VQ */
} mantsim_gemm_job;

typedef struct {
    uint64_t total_cycles;
    uint64_t compute_cycles;
    uint64_t stall_cycles;
    /* The mapping the job ran: tokens per M tile, output channels per N block, K per activation
     * load (K: every row at once), whether the weights stayed in the WBUF, and the DRAM bits a job
     * must move at least (every weight and metadata bit, every activation row and output once). */
    uint64_t m_tile;
    uint64_t n_block_columns;
    uint64_t k_chunk;
    int32_t weights_resident;
    uint64_t compulsory_dram_bits;
} mantsim_gemm_result;

/* Runs one GEMM on the array (elaborated once; reset for each job). Counters are those of this job. */
int mantsim_rtl_run_gemm(mantsim_rtl *handle, const mantsim_array_config *config, const mantsim_gemm_job *job,
                         mantsim_gemm_result *result);

/* Checks a GEMM and chooses its mapping as run_gemm would, without running it: *result holds the
 * mapping fields, zero cycles. */
int mantsim_rtl_plan_gemm(mantsim_rtl *handle, const mantsim_array_config *config, const mantsim_gemm_job *job,
                          mantsim_gemm_result *result);

typedef struct {
    /* Clock period of the model in picoseconds. Fixed by the first handle of a process. */
    uint64_t clock_period_ps;
} mantsim_rtl_config;

mantsim_rtl_config mantsim_rtl_config_default(void);

/* Creates (first call: elaborates) the model and resets it. *out is NULL on failure; the message
 * of a failed create is available from mantsim_rtl_last_error(NULL). */
int mantsim_rtl_create(const mantsim_rtl_config *config, mantsim_rtl **out);
void mantsim_rtl_free(mantsim_rtl *handle);

/* Advances simulated time by `cycles` clock cycles. */
int mantsim_rtl_run_cycles(mantsim_rtl *handle, uint64_t cycles);

/* Records the next run_gemm on this handle as a VCD file at `vcd_path` (NULL: no trace): the
 * controller state and tile, the DRAM and buffer ports, and PE row `pe_row`'s registers. The
 * model writes `vcd_path` itself (truncating it): give it a temporary file and rename it into
 * place once run_gemm succeeds. A job that fails or cannot write the whole trace removes it. */
int mantsim_rtl_set_trace(mantsim_rtl *handle, const char *vcd_path, uint32_t pe_row);

/* The same GEMM as a plain loop without simulation (no handle, no SystemC): the yardstick the
 * benchmark compares the cycle-level model with. Writes job->output; the message of a failure is
 * available from mantsim_rtl_last_error(NULL). */
int mantsim_native_gemm(const mantsim_array_config *config, const mantsim_gemm_job *job);

/* Reads every counter since the last reset into values[0 ..< MANTSIM_COUNTER_COUNT]; `count` must
 * be MANTSIM_COUNTER_COUNT. */
int mantsim_rtl_read_counters(const mantsim_rtl *handle, uint64_t *values, size_t count);

/* Stable name of a counter, or NULL for an index out of range. */
const char *mantsim_rtl_counter_name(int counter);

/* Checks that SystemC error reports reach the caller as status codes rather than aborts: raises
 * one inside the kernel and returns MANTSIM_OK when it was caught, with its message in
 * mantsim_rtl_last_error(handle); MANTSIM_E_INTERNAL when the report handler let it through. */
int mantsim_rtl_check_reports(mantsim_rtl *handle);

/* Message of the last failure on this handle (NULL: of the last failed create or native GEMM). */
const char *mantsim_rtl_last_error(const mantsim_rtl *handle);

/* The two-stage real-time KV-cache quantization engine for one KV head (M-ANT, HPCA 2025).
 * K: each new vector -> 4-bit M-ANT, groups of key_group along the head dimension.
 * V: stage 1 each new vector -> INT8 with one FP16 scale into the window buffer; stage 2, when
 * the window holds `window` tokens: each channel's window (INT8 x token scale, binary32) -> one
 * 4-bit M-ANT group. Arithmetic: MantSim's Swift TwoStageKVCache, bit for bit.
 * Timing: a pass of n element operations takes ceil(n / lanes) cycles; the K search evaluates
 * 16 candidate grids per value, then encodes; stage 1 takes an absmax pass and a quantize pass;
 * stage 2 searches and encodes head_dim x window values; every vector or window operation adds
 * latency_cycles. Quantized K vectors and closed windows are written to DRAM at
 * dram_bits_per_cycle behind the engine (or through a part's banks, dram_timing); the job ends when
 * the writes have drained. */
typedef struct {
    uint32_t head_dim;             /* a multiple of key_group */
    uint32_t key_group;            /* 64 */
    uint32_t window;               /* tokens per V group, at most window_capacity */
    uint32_t window_capacity;      /* tokens the window buffer holds */
    uint32_t lanes;                /* element operations per cycle */
    uint32_t latency_cycles;       /* pipeline latency per vector or window operation */
    uint32_t dram_bits_per_cycle;  /* write port to the KV region (the ideal interface) */
    /* A DRAM part's channels (dram_timing.channels > 0): the writes go through their banks instead
     * of the port, each an activation, precharge and burst count; cycle_ps is set from the job's clock. */
    mantsim_dram_timing dram_timing;
} mantsim_kv_config;

typedef struct {
    uint32_t tokens;               /* new tokens, appended to an empty cache */
    const float *keys;             /* tokens x head_dim */
    const float *values;           /* tokens x head_dim */
    /* Outputs, written on success. closed = tokens / window * window, open = tokens - closed. */
    uint16_t *key_codes;           /* tokens x head_dim, 4-bit sign-magnitude */
    uint16_t *key_scales;          /* tokens x head_dim / key_group, FP16 bits */
    uint8_t *key_selectors;        /* tokens x head_dim / key_group */
    uint16_t *value_codes;         /* V^T: head_dim x closed, windows side by side */
    uint16_t *value_scales;        /* head_dim x closed / window */
    uint8_t *value_selectors;      /* head_dim x closed / window */
    int8_t *open_values;           /* open x head_dim, INT8 */
    uint16_t *open_scales;         /* open, FP16 bits */
} mantsim_kv_job;

typedef struct {
    uint64_t total_cycles;         /* until the last write to DRAM has drained */
    uint64_t engine_cycles;        /* cycles the engine computes */
    uint64_t last_token_cycles;    /* the last token's own cycles (with its flush, if any) */
} mantsim_kv_result;

int mantsim_rtl_run_kv(mantsim_rtl *handle, const mantsim_kv_config *config, const mantsim_kv_job *job,
                       mantsim_kv_result *result);

#ifdef __cplusplus
}
#endif

#endif
