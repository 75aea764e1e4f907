// The decoder front end: weight codes and per-group metadata of each PE type's format turned
// into what the PEs and the SAC row consume. Arithmetic is the one MantSim's Swift reference
// numerics define (Sources/MantNumerics); README.md states it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/fp16.hpp"
#include "common/job.hpp"

namespace mantsim {

// Arrays whose PEs multiply FP16 values (FP16, and the LUT and VQ arrays after their decoders):
// the PE kind's float_datapath (pe_kind.hpp).
bool float_datapath(int pe_type);

// Weight rows the job's codes hold: its row period, or all N.
size_t stored_weight_rows(const GemmJob &job);

struct DecodedWeights {
    // Per (n, k). MAC lane: the integer multiplied by the activation (M-ANT: +-i). Shift lane:
    // M-ANT's +-2^i (the shifter, as a power-of-two multiplier), 0 for every other type.
    std::vector<int16_t> mac_lane;
    std::vector<int16_t> shift_lane;
    std::vector<float> fp16;  // FP16-datapath PEs: the FP16 weight each PE multiplies
    // Per (n, group): M-ANT's a (1 for the linear selector and every other type), and the FP32
    // scale the SAC multiplies by.
    std::vector<int32_t> group_a;
    std::vector<float> group_scale;
    // Largest |weight| the PE multiplies, for the accumulator range check.
    int32_t max_magnitude = 0;
};

// Where a VQ job's vectors and codebooks live: weight_codes hold vectors row by row along K, or
// (output axis) by block of v rows, then k.
struct VQLayout {
    size_t rows = 0, k = 0, v = 1, stages = 1, entries = 1, scope_size = 1;
    int32_t scope = MANTSIM_VQ_SCOPE_TENSOR;
    bool along_output = false;

    explicit VQLayout(const GemmJob &job);
    // Steps between a vector's weights: along_output, down the rows; otherwise along K.
    size_t row_step() const { return along_output ? v : 1; }
    size_t col_step() const { return along_output ? 1 : v; }
    // Index of stage `stage` of the vector holding stored weight (row, k).
    size_t code_index(size_t row, size_t col, size_t stage) const {
        const size_t vector = along_output ? (row / v) * k + col : row * (k / v) + col / v;
        return vector * stages + stage;
    }
    size_t scope_count() const;
    size_t scope_of(size_t row, size_t col) const;
    // FP16 values of one set of codebooks (every stage of one scope).
    size_t set_values() const { return stages * entries * v; }
};

// Whether the array applies group scales in a SAC row: every integer array, and the LUT array
// whose lut.scale says so. Their PEs sum each group on its own.
inline bool scales_in_sac(const ArraySpec &config) {
    return !float_datapath(config.pe_type) || (config.pe_type == MANTSIM_PE_LUT && config.lut.scale == MANTSIM_LUT_SCALE_SAC);
}

// Throws std::invalid_argument naming the field at fault.
DecodedWeights decode_weights(const GemmJob &job, const ArraySpec &config);

}  // namespace mantsim
