// ANT PEs (Guo et al., MICRO 2022): a 4-bit sign-magnitude code decoded by the group's type (int,
// flint, PoT, float) to an integer, with the type's power of two folded into the group scale.
#include <stdexcept>

#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
// The format's table (ANTFormat.decodeTable, in the payload): each type's eight magnitudes as
// integers, then the power of two, 2^-shift, that turns each type's integers back into grid units.
constexpr uint32_t kTypes = 4, kTableEntries = kTypes * 8 + kTypes;

int mac_counter(uint32_t, bool narrow) { return narrow ? MANTSIM_COUNTER_MAC_ANT_W8A4 : MANTSIM_COUNTER_MAC_ANT_W8A8; }

void decode_group(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out) {
    const uint16_t *table = job.payload;  // checked once per job (check_decode_table)
    const uint8_t type = job.group_selectors[slice.meta];
    if (type >= kTypes) throw std::invalid_argument("job.group_selectors: ANT type above 3");
    const uint16_t shift = table[kTypes * 8 + type];
    out.group_scale[slice.meta] = half_to_float(job.group_scales[slice.meta]) * power_of_two(-static_cast<int>(shift));
    for (size_t i = slice.begin; i < slice.end; ++i) slice.mac[i] = signed_magnitude(slice.codes[i], table + 8 * type);
}
}  // namespace

// Magnitudes up to 127 keep a product within the 8-bit MAC lane.
extern const PEKind ant_kind = {"ant", false, false, true, true, true, false, mac_counter, decode_group, nullptr, nullptr, kTableEntries, 127};

}  // namespace mantsim
