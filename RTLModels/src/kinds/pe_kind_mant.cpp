// M-ANT PEs (Hu et al., HPCA 2025): a code is a sign and a magnitude index i; the MAC path
// multiplies +-i, the shift path adds +-2^i, and the SAC row combines a * M + H with the group's
// coefficient a (selector 15: linear, no shift path) before its scale.
#include <stdexcept>
#include <string>

#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
int mac_counter(uint32_t, bool narrow) { return narrow ? MANTSIM_COUNTER_MAC_W3A4 : MANTSIM_COUNTER_MAC_W3A8; }

void decode_group(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out) {
    const uint8_t selector = job.group_selectors[slice.meta];
    if (selector > 15) throw std::invalid_argument("job.group_selectors: M-ANT selector above 15");
    if (job.weight_bits < 3 || job.weight_bits > 4) {
        throw std::invalid_argument("job.weight_bits: M-ANT codes are 3 or 4 bits, got " + std::to_string(job.weight_bits));
    }
    const uint32_t magnitude_bits = job.weight_bits - 1;
    out.group_scale[slice.meta] = half_to_float(job.group_scales[slice.meta]);
    // The grid coefficients a of selectors 0..14 (MANTFormat.decodeTable, in the payload).
    const uint16_t *coefficients = job.payload;  // checked once per job (check_decode_table)
    out.group_a[slice.meta] = selector == 15 ? 1 : coefficients[selector];
    for (size_t i = slice.begin; i < slice.end; ++i) {
        const uint32_t index = slice.codes[i] & ((1u << magnitude_bits) - 1);
        const int16_t sign = ((slice.codes[i] >> magnitude_bits) & 1u) ? -1 : 1;
        slice.mac[i] = static_cast<int16_t>(sign * static_cast<int16_t>(index));
        slice.shift[i] = selector == 15 ? 0 : static_cast<int16_t>(sign * (1 << index));
    }
}
}  // namespace

extern const PEKind mant_kind = {"mant", false, true, true, true, true, false, mac_counter, decode_group, nullptr, nullptr, 15, 255};

}  // namespace mantsim
