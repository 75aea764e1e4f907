// INT PEs: symmetric two's-complement codes of 2 to 8 bits times the activation; the group's FP16
// scale is applied in the SAC row.
#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
int mac_counter(uint32_t weight_bits, bool narrow) {
    if (weight_bits <= 4) return narrow ? MANTSIM_COUNTER_MAC_W4A4 : MANTSIM_COUNTER_MAC_W4A8;
    return narrow ? MANTSIM_COUNTER_MAC_W8A4 : MANTSIM_COUNTER_MAC_W8A8;
}

void decode_group(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out) {
    out.group_scale[slice.meta] = half_to_float(job.group_scales[slice.meta]);
    for (size_t i = slice.begin; i < slice.end; ++i) slice.mac[i] = sign_extend(slice.codes[i], job.weight_bits);
}
}  // namespace

extern const PEKind int_kind = {"int", false, false, false, true, true, false, mac_counter, decode_group, nullptr};

}  // namespace mantsim
