/*
 * MantSim RTL model: the interface Swift sees of the SystemC accelerator. What the model does with
 * each field (timing, mapping, fidelity, DRAM, the KV engine) is in RTLModels/README.md.
 *
 * Conventions: one opaque handle; plain-data structs that the caller starts from their _default()
 * (a valid configuration) and changes where it needs to; each call returns a mantsim_status, and
 * mantsim_rtl_last_error() gives the message. No C++ exception and no SystemC report crosses
 * this boundary. Test and benchmark hooks are in mantsim_rtl_testing.h.
 *
 * SystemC elaborates one module tree per process, so the model has one owner: while a handle is
 * live, creating another fails with MANTSIM_E_BUSY.
 */
#ifndef MANTSIM_RTL_H
#define MANTSIM_RTL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mantsim_rtl mantsim_rtl;

/* Enumerations are int32_t-sized: the _FORCE_32 members fix their storage. */
typedef enum {
    MANTSIM_OK = 0,
    MANTSIM_E_INVALID_ARGUMENT = 1,
    MANTSIM_E_SYSTEMC = 2,
    MANTSIM_E_INTERNAL = 3,
    MANTSIM_E_BUSY = 4,             /* another handle owns the model */
    MANTSIM_STATUS_FORCE_32 = 0x7fffffff
} mantsim_status;

#include "mantsim_rtl_counters.h"

/* PE types, one array per type: codes 0 ..< mantsim_pe_type_count(), each described by
 * mantsim_pe_kind. The bundled types are named here; a kind added to the model gets the next code
 * and is found by its name. */
typedef enum {
    MANTSIM_PE_FP16 = 0,
    MANTSIM_PE_INT = 1,
    MANTSIM_PE_MANT = 2,
    MANTSIM_PE_ANT = 3,
    MANTSIM_PE_OLIVE = 4,
    MANTSIM_PE_MXFP4 = 5,
    MANTSIM_PE_LUT = 6,
    MANTSIM_PE_VQ = 7,
    MANTSIM_PE_BITFUSION = 8,
    MANTSIM_PE_FORCE_32 = 0x7fffffff
} mantsim_pe_type;

typedef enum { MANTSIM_DATAFLOW_WEIGHT_STATIONARY = 0, MANTSIM_DATAFLOW_OUTPUT_STATIONARY = 1, MANTSIM_DATAFLOW_FORCE_32 = 0x7fffffff } mantsim_dataflow;
typedef enum { MANTSIM_TIMING_PIPELINED = 0, MANTSIM_TIMING_SERIAL = 1, MANTSIM_TIMING_FORCE_32 = 0x7fffffff } mantsim_timing;
typedef enum { MANTSIM_MAPPING_SEARCHED = 0, MANTSIM_MAPPING_FIXED = 1, MANTSIM_MAPPING_FORCE_32 = 0x7fffffff } mantsim_mapping;
typedef enum { MANTSIM_FIDELITY_CYCLE = 0, MANTSIM_FIDELITY_FAST = 1, MANTSIM_FIDELITY_FORCE_32 = 0x7fffffff } mantsim_fidelity;
/* LUT arrays: where the group scale is applied. */
typedef enum { MANTSIM_LUT_SCALE_DECODER = 0, MANTSIM_LUT_SCALE_SAC = 1, MANTSIM_LUT_SCALE_FORCE_32 = 0x7fffffff } mantsim_lut_scale;
/* VQ codes: which weights share codebooks, and which way a vector runs. */
typedef enum { MANTSIM_VQ_SCOPE_TENSOR = 0, MANTSIM_VQ_SCOPE_TILE = 1, MANTSIM_VQ_SCOPE_ROWS = 2, MANTSIM_VQ_SCOPE_FORCE_32 = 0x7fffffff } mantsim_vq_scope;
typedef enum { MANTSIM_VQ_AXIS_REDUCTION = 0, MANTSIM_VQ_AXIS_OUTPUT = 1, MANTSIM_VQ_AXIS_FORCE_32 = 0x7fffffff } mantsim_vq_axis;

/* What the model knows about a PE type for weights of `weight_bits` and activations of
 * `activation_bits`: the one place callers learn these traits from. */
typedef struct {
    const char *name;              /* "fp16", "int", "mant", ... */
    int32_t float_datapath;        /* PEs multiply FP16 values */
    int32_t shift_lane;            /* a second (shift) lane: M-ANT */
    int32_t group_metadata;        /* group scales (and selectors) travel with the weights */
    mantsim_counter mac_counter;   /* the counter of one valid MAC */
    uint32_t products_per_cycle;   /* products per PE per cycle at these widths (BitFusion: r) */
} mantsim_pe_kind_info;

uint32_t mantsim_pe_type_count(void);
mantsim_status mantsim_pe_kind(mantsim_pe_type pe_type, uint32_t weight_bits, uint32_t activation_bits, mantsim_pe_kind_info *out);

/* DRAM channels of one standard, a row buffer per bank. channels == 0: the ideal interface. */
typedef struct {
    uint32_t channels, banks;      /* independent channels; banks per channel */
    uint32_t bus_bits;             /* data bits per channel */
    uint32_t burst_length;         /* transfers per burst (BL) */
    uint32_t row_bytes;            /* one row of one bank (the page) */
    uint32_t tck_ps;               /* DRAM clock period */
    uint32_t cl, trcd, trp;        /* in tCK */
    uint32_t cycle_ps;             /* the accelerator's clock period */
} mantsim_dram_timing;

/* What a run of transfers issued, and its channels' standby time (summed over channels). */
typedef struct {
    uint64_t activates, precharges, read_bursts, write_bursts;
    uint64_t active_standby_ps, precharged_standby_ps;
} mantsim_dram_activity;

/* When each of `count` transfers (byte address, bytes; a write when writes[i] != 0, writes may be
 * NULL) queued at time 0 finishes (finish_ps[i]), and the activity up to end_ps (0: the last
 * finish): what DRAM energy is computed from. */
mantsim_status mantsim_dram_timing_activity(const mantsim_dram_timing *timing, const uint64_t *addresses, const uint64_t *bytes,
                                            const uint8_t *writes, size_t count, uint64_t end_ps, uint64_t *finish_ps,
                                            mantsim_dram_activity *activity);

/* An on-chip buffer and its port to the array: banks x bank_bits bits per cycle. */
typedef struct {
    uint64_t bytes;
    uint32_t banks, bank_bits;
} mantsim_buffer;

/* The array's DRAM: the ideal interface (bits per cycle after a fixed latency), or a standard's
 * channels when timing.channels > 0. */
typedef struct {
    uint32_t bits_per_cycle, latency_cycles;
    mantsim_dram_timing timing;
} mantsim_dram;

/* A VQ array's decoder: codebook SRAM bytes and banks, hot-entry store, lookups per cycle. */
typedef struct {
    uint64_t codebook_bytes;
    uint32_t codebook_banks, hot_entries, hot_ports, lanes;
} mantsim_vq_decoder;

typedef struct {
    uint32_t rows, columns;        /* PEs: R (reduction in WS, tokens in OS) x C (output channels) */
    mantsim_pe_type pe_type;
    mantsim_buffer weight_buffer, activation_buffer, output_buffer;
    mantsim_dram dram;
    uint32_t weight_link_bits;     /* weight-code bits per cycle into the PEs' shadow registers */
    uint32_t weight_sets;          /* weight registers per PE, 2..8 */
    mantsim_timing timing;
    mantsim_mapping mapping;
    mantsim_lut_scale lut_scale;   /* read for MANTSIM_PE_LUT only */
    mantsim_vq_decoder vq;         /* read for MANTSIM_PE_VQ only */
} mantsim_array_config;

/* The bounds the model accepts for an array (inclusive); the model refuses a field outside them. */
typedef struct {
    uint32_t min_side, max_side;   /* PE rows and columns */
    uint32_t min_weight_sets, max_weight_sets;
    uint64_t max_buffer_bytes;
    uint32_t max_buffer_banks, max_bank_bits; /* a buffer port: at least one bank of one bit */
    uint32_t max_dram_bits_per_cycle, max_dram_latency_cycles;
    uint32_t max_weight_link_bits; /* at least 1 */
} mantsim_array_limits;

mantsim_array_limits mantsim_array_limits_get(void);

/* The ANT simulator's 32 x 32 INT8 array and this model's port, DRAM and decoder choices
 * (MantHardware's ArrayConfig documents their sources). */
mantsim_array_config mantsim_array_config_default(void);

/* A VQ job's codes: v weights per vector along `axis`, `stages` indices each. */
typedef struct {
    uint32_t vector_length;        /* 2, 4 or 8 */
    uint32_t stages;               /* 1 or 2 */
    mantsim_vq_scope scope;
    uint32_t scope_size;
    mantsim_vq_axis axis;
} mantsim_vq_layout;

/* One GEMM Y[M][N] = X[M][K] * W[N][K]^T: weight codes row-major [n][k] with metadata per group of
 * group_size along k; integer activations with one FP16 scale per token, or FP16 activations. */
typedef struct {
    uint32_t m, k, n;
    mantsim_dataflow dataflow;
    mantsim_fidelity fidelity;
    uint32_t weights_fp16;         /* 1: FP16 weights (an FP16 KV cache); a LUT or VQ array bypasses its decoder */
    uint32_t group_size;
    uint32_t weight_bits;          /* bits per code (VQ: per index) */
    uint32_t metadata_bits;        /* per group */
    uint32_t activation_bits;      /* 8 or 4; 16 for FP16 datapaths */
    const uint16_t *weight_codes;  /* P x K (P: weight_row_period, or N) */
    const uint16_t *group_scales;  /* P x groups: FP16 bits (MXFP4: E8M0) */
    const uint8_t *group_selectors;/* N x groups: M-ANT selector, ANT type */
    const int8_t *activations;     /* M x K (integer datapaths) */
    const uint16_t *activation_fp16; /* M x K FP16 bits (FP16 datapaths) */
    const uint16_t *activation_scales; /* M FP16 bits (integer datapaths) */
    float *output;                 /* M x N, written on success in cycle fidelity; NULL allowed in fast */
    uint32_t weight_row_period;    /* 0 or N: all rows; P < N: channel n uses row n % P */
    const uint16_t *decoder_payload; /* FP16 bits: a LUT table, VQ codebooks; NULL otherwise */
    uint32_t decoder_payload_values;
    mantsim_vq_layout vq;          /* read for MANTSIM_PE_VQ only */
} mantsim_gemm_job;

/* Cycle fidelity, weight-stationary, no operands: every pointer is the caller's to set. */
mantsim_gemm_job mantsim_gemm_job_default(void);

typedef struct {
    uint64_t total_cycles, compute_cycles, stall_cycles;
    /* The mapping: tokens per M tile, channels per N block, K per activation load, whether the
     * weights stayed in the WBUF, and the fewest DRAM bits any mapping moves. */
    uint64_t m_tile, n_block_columns, k_chunk;
    int32_t weights_resident;
    uint64_t compulsory_dram_bits;
} mantsim_gemm_result;

typedef struct {
    uint64_t clock_period_ps;      /* fixed by the first handle of a process */
} mantsim_rtl_config;

mantsim_rtl_config mantsim_rtl_config_default(void);

/* Creates the handle (the first call elaborates the model) and resets the model. *out is NULL on
 * failure, with the message in mantsim_rtl_last_error(NULL). */
mantsim_status mantsim_rtl_create(const mantsim_rtl_config *config, mantsim_rtl **out);
void mantsim_rtl_free(mantsim_rtl *handle);
/* Resets the model and its counters, as a new handle would. */
mantsim_status mantsim_rtl_reset(mantsim_rtl *handle);

/* Runs one GEMM (the array and its counters reset for it). */
mantsim_status mantsim_rtl_run_gemm(mantsim_rtl *handle, const mantsim_array_config *config, const mantsim_gemm_job *job,
                                    mantsim_gemm_result *result);
/* The checks and the mapping of a GEMM without running it: *result has zero cycles. */
mantsim_status mantsim_rtl_plan_gemm(mantsim_rtl *handle, const mantsim_array_config *config, const mantsim_gemm_job *job,
                                     mantsim_gemm_result *result);
/* Records the next run_gemm as a VCD at `vcd_path` (NULL: off) showing PE row `pe_row`. The
 * model truncates and writes the file, and removes it when the job fails. */
mantsim_status mantsim_rtl_set_trace(mantsim_rtl *handle, const char *vcd_path, uint32_t pe_row);

/* Every counter since the last reset; `count` must be MANTSIM_COUNTER_COUNT. */
mantsim_status mantsim_rtl_read_counters(const mantsim_rtl *handle, uint64_t *values, size_t count);
/* Stable name of a counter, or NULL out of range. */
const char *mantsim_rtl_counter_name(mantsim_counter counter);
/* The message of the last failure on this handle (NULL: of the last call without one). */
const char *mantsim_rtl_last_error(const mantsim_rtl *handle);

/* The two-stage real-time KV-cache quantization engine of one KV head (M-ANT, HPCA 2025). */
typedef struct {
    uint32_t head_dim;             /* a multiple of key_group */
    uint32_t key_group;            /* K group along the head dimension */
    uint32_t window;               /* tokens per V group, at most window_capacity */
    uint32_t window_capacity;
    uint32_t lanes;                /* element operations per cycle */
    uint32_t latency_cycles;       /* per vector or window operation */
    uint32_t dram_bits_per_cycle;  /* write port (the ideal interface) */
    mantsim_dram_timing dram_timing; /* a part's channels instead, when channels > 0 */
} mantsim_kv_config;

/* Head dimension 128, groups and windows of 64, 8 lanes, 4 cycles, a 1024-bit port. */
mantsim_kv_config mantsim_kv_config_default(void);

typedef struct {
    uint32_t tokens;               /* new tokens, appended to an empty cache */
    const float *keys, *values;    /* tokens x head_dim each */
    /* Outputs. closed = tokens / window * window, open = tokens - closed. */
    uint16_t *key_codes;           /* tokens x head_dim, 4-bit sign-magnitude */
    uint16_t *key_scales;          /* tokens x head_dim / key_group, FP16 bits */
    uint8_t *key_selectors;        /* tokens x head_dim / key_group */
    uint16_t *value_codes;         /* V^T: head_dim x closed */
    uint16_t *value_scales;        /* head_dim x closed / window */
    uint8_t *value_selectors;      /* head_dim x closed / window */
    int8_t *open_values;           /* open x head_dim, INT8 */
    uint16_t *open_scales;         /* open, FP16 bits */
    const uint16_t *mant_coefficients; /* M-ANT's 15 grid coefficients, as the format defines them */
    uint32_t mant_coefficient_count;
} mantsim_kv_job;

typedef struct {
    uint64_t total_cycles;         /* until the last DRAM write has drained */
    uint64_t engine_cycles;
    uint64_t last_token_cycles;
} mantsim_kv_result;

mantsim_status mantsim_rtl_run_kv(mantsim_rtl *handle, const mantsim_kv_config *config, const mantsim_kv_job *job,
                                  mantsim_kv_result *result);

#ifdef __cplusplus
}
#endif

#endif
