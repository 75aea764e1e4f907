// A PE kind: everything the model knows about one MANTSIM_PE_* type, in one record. Each kind
// lives in its own file (pe_kind_<name>.cpp) and pe_kinds.cpp lists them by their enum value; the
// rest of the model asks the record instead of branching on the type.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kinds/decoders.hpp"
#include "mantsim_rtl.h"

namespace mantsim {

// One group of one stored weight row, as an integer kind decodes it.
struct GroupSlice {
    const uint16_t *codes;  // the row's codes
    size_t begin, end;      // the group's K range
    size_t meta;            // index of the group's metadata (row x groups + group)
    int16_t *mac, *shift;   // the row's MAC and shift lanes
};

struct PEKind {
    const char *name;
    // The PEs multiply FP16 values (the decoder turns codes into FP16 weights).
    bool float_datapath;
    // A second lane beside the MAC lane (M-ANT's shift path): two integer partial sums per output.
    bool shift_lane;
    // The job carries a selector per group (M-ANT's coefficient, ANT's type).
    bool selectors;
    // Group metadata (scales, selectors) travels to the SAC rows with the weights.
    bool group_metadata;
    // A decoder at the array's edge turns each code into the PE's value (counted as decoder.lookup).
    bool decodes_codes;
    // VQ codebooks: a banked codebook SRAM, timed per tile by vq_decoder.cpp.
    bool codebook;
    // The counter of one valid MAC, by the weight bits and whether activations are 4-bit.
    int (*mac_counter)(uint32_t weight_bits, bool narrow_activations);
    // Integer kinds: one group into the lanes, with its scale (and a) in out.group_scale/group_a.
    void (*decode_group)(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out);
    // FP16-datapath kinds: every stored weight as the FP16 value the PEs multiply.
    DecodedWeights (*decode_all)(const GemmJob &job, const ArraySpec &config);
    // Precision-scalable kinds: products per PE per cycle at these widths (nullptr: one).
    uint32_t (*products_per_cycle)(uint32_t weight_bits, bool narrow_activations) = nullptr;
    // Integer kinds decoding through their format's table (in the job's payload, the model keeps no
    // copy): its entries and the largest an entry may be. Checked once per job by decode_weights.
    uint32_t table_entries = 0;
    uint16_t table_largest = 0;
};

// The kind of `pe_type`; throws std::invalid_argument naming array.pe_type when there is none.
const PEKind &pe_kind(int pe_type);
// The number of PE kinds: codes run 0 ..< pe_kind_count().
int pe_kind_count();

// Shared by the kinds' decoders.
inline int16_t sign_extend(uint32_t code, uint32_t bits) {
    const uint32_t shift = 32 - bits;
    return static_cast<int16_t>(static_cast<int32_t>(code << shift) >> shift);
}
float power_of_two(int exponent);
// INT codes (two's complement, 2..8 bits) with the group's FP16 scale: the INT and BitFusion kinds.
void decode_int_group(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out);
// A sign-magnitude 4-bit code (sign in bit 3) through a table of eight magnitudes.
inline int16_t signed_magnitude(uint16_t code, const uint16_t *magnitudes) {
    const int16_t magnitude = static_cast<int16_t>(magnitudes[code & 7u]);
    return (code & 8u) ? static_cast<int16_t>(-magnitude) : magnitude;
}
// Checks the decode table a kind reads from the job's payload (the format's own, sent by the
// caller with every job): throws std::invalid_argument unless it has the kind's table_entries
// entries, each at most table_largest.
void check_decode_table(const GemmJob &job, const PEKind &kind);

}  // namespace mantsim
