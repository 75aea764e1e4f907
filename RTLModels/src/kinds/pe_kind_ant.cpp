// ANT PEs (Guo et al., MICRO 2022): a 4-bit sign-magnitude code decoded by the group's type (int,
// flint, PoT, float) to an integer, with the type's power of two folded into the group scale.
#include <stdexcept>

#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
// Magnitudes as integers, and the power of two that turns them back into grid units:
// int {0..7}, flint {0,.25,.5,.75,1,1.5,2,4} x4, pot {0,1,2,..,64}, float (E2M1) x2.
const int16_t magnitudes[4][8] = {
    {0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 6, 8, 16}, {0, 1, 2, 4, 8, 16, 32, 64}, {0, 1, 2, 3, 4, 6, 8, 12}};
const int shifts[4] = {0, 2, 0, 1};

int mac_counter(uint32_t, bool narrow) { return narrow ? MANTSIM_COUNTER_MAC_ANT_W8A4 : MANTSIM_COUNTER_MAC_ANT_W8A8; }

void decode_group(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out) {
    const uint8_t type = job.group_selectors[slice.meta];
    if (type > 3) throw std::invalid_argument("job.group_selectors: ANT type above 3");
    out.group_scale[slice.meta] = half_to_float(job.group_scales[slice.meta]) * power_of_two(-shifts[type]);
    for (size_t i = slice.begin; i < slice.end; ++i) slice.mac[i] = signed_magnitude(slice.codes[i], magnitudes[type]);
}
}  // namespace

extern const PEKind ant_kind = {"ant", false, false, true, true, true, false, mac_counter, decode_group, nullptr};

}  // namespace mantsim
