// The array and the GEMM job as the model's blocks read them. api/job.cpp turns the C structs of
// mantsim_rtl.h into these at the boundary; nothing past it takes an ABI struct (the enumeration
// constants are shared). Each PE kind's own parameters sit in their own block (lut, vq), filled
// only for that kind.
#pragma once

#include <cstdint>

#include "common/dram_timing.hpp"
#include "mantsim_rtl.h"

namespace mantsim {

// LUT arrays: where the group scale is applied (MANTSIM_LUT_SCALE_*).
struct LutParams {
    int32_t scale = MANTSIM_LUT_SCALE_DECODER;
};

// VQ arrays: codebook SRAM, its banks, the hot-entry store and its ports, lookups per cycle.
struct VQDecoderParams {
    uint64_t codebook_bytes = 0;
    uint32_t codebook_banks = 0, hot_entries = 0, hot_ports = 0, lanes = 0;
};

struct ArraySpec {
    uint32_t rows = 0, columns = 0;
    int32_t pe_type = 0;
    uint64_t weight_buffer_bytes = 0, activation_buffer_bytes = 0, output_buffer_bytes = 0;
    uint32_t weight_buffer_banks = 0, weight_buffer_bank_bits = 0;
    uint32_t activation_buffer_banks = 0, activation_buffer_bank_bits = 0;
    uint32_t output_buffer_banks = 0, output_buffer_bank_bits = 0;
    uint32_t dram_bits_per_cycle = 0, dram_latency_cycles = 0;
    // A DRAM standard's timing (channels > 0), the standard's numbers as the C struct carries them.
    DramTiming dram_timing{};
    uint32_t weight_link_bits = 0, weight_sets = 0;
    int32_t timing = MANTSIM_TIMING_PIPELINED, mapping = MANTSIM_MAPPING_SEARCHED;
    LutParams lut;
    VQDecoderParams vq;
};

// VQ codes: vectors of v weights along the reduction or output axis, one index per stage.
struct VQLayoutParams {
    uint32_t vector_length = 0, stages = 0;
    int32_t scope = MANTSIM_VQ_SCOPE_TENSOR;
    uint32_t scope_size = 0;
    int32_t axis = MANTSIM_VQ_AXIS_REDUCTION;
};

struct GemmJob {
    uint32_t m = 0, k = 0, n = 0;
    int32_t dataflow = MANTSIM_DATAFLOW_WEIGHT_STATIONARY;
    uint32_t group_size = 0, weight_bits = 0, metadata_bits = 0, activation_bits = 0;
    const uint16_t *weight_codes = nullptr;
    const uint16_t *group_scales = nullptr;
    const uint8_t *group_selectors = nullptr;
    const int8_t *activations = nullptr;
    const uint16_t *activation_fp16 = nullptr;
    const uint16_t *activation_scales = nullptr;
    float *output = nullptr;
    int32_t fidelity = MANTSIM_FIDELITY_CYCLE;
    bool weights_fp16 = false;
    uint32_t weight_row_period = 0;
    // The decoder's payload (FP16 bits): a LUT table, VQ codebooks.
    const uint16_t *payload = nullptr;
    uint32_t payload_values = 0;
    VQLayoutParams vq;
};

}  // namespace mantsim
