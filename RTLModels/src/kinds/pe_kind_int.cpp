// INT PEs: symmetric two's-complement codes of 2 to 8 bits (wider operands run in digit passes) times the activation; the group's FP16
// scale is applied in the SAC row.
#include <stdexcept>
#include <string>

#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
int mac_counter(uint32_t weight_bits, bool narrow) {
    if (weight_bits <= 4) return narrow ? MANTSIM_COUNTER_MAC_W4A4 : MANTSIM_COUNTER_MAC_W4A8;
    return narrow ? MANTSIM_COUNTER_MAC_W8A4 : MANTSIM_COUNTER_MAC_W8A8;
}

}  // namespace

void decode_int_group(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out) {
    if (job.weight_bits > 8) {
        throw std::invalid_argument("job.weight_bits: INT PEs take 2..8-bit codes (a wider operand runs in digit passes), got " +
                                    std::to_string(job.weight_bits));
    }
    out.group_scale[slice.meta] = half_to_float(job.group_scales[slice.meta]);
    for (size_t i = slice.begin; i < slice.end; ++i) slice.mac[i] = sign_extend(slice.codes[i], job.weight_bits);
}

extern const PEKind int_kind = {"int", false, false, false, true, true, false, mac_counter, decode_int_group, nullptr};

}  // namespace mantsim
