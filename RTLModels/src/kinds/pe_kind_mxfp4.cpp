// MXFP4 PEs (OCP Microscaling): E2M1 codes as twice their value (a 5-bit signed integer), the
// block's E8M0 exponent as the SAC row's power-of-two scale (halved for the doubling).
#include <stdexcept>

#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {

int mac_counter(uint32_t, bool narrow) { return narrow ? MANTSIM_COUNTER_MAC_MXFP4_W5A4 : MANTSIM_COUNTER_MAC_MXFP4_W5A8; }

void decode_group(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out) {
    const uint16_t exponent = job.group_scales[slice.meta];
    if (exponent >= 255) throw std::invalid_argument("job.group_scales: MXFP4 scale 0xFF is NaN");
    out.group_scale[slice.meta] = power_of_two(static_cast<int>(exponent) - 128);
    // Twice each E2M1 magnitude (MXFP4Format.decodeTable, in the payload).
    const uint16_t *e2m1_twice = job.payload;  // checked once per job (check_decode_table)
    for (size_t i = slice.begin; i < slice.end; ++i) slice.mac[i] = signed_magnitude(slice.codes[i], e2m1_twice);
}
}  // namespace

extern const PEKind mxfp4_kind = {"mxfp4", false, false, false, true, true, false, mac_counter, decode_group, nullptr, nullptr, 8, 127};

}  // namespace mantsim
