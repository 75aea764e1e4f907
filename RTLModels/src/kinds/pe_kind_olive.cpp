// OliVe PEs (Guo et al., ISCA 2023): codes come in pairs; a pair is two int4 values, or an
// outlier (abfloat, up to 96 in int4 units) beside a victim code 8 that reads as zero.
#include <stdexcept>

#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {

int mac_counter(uint32_t, bool narrow) { return narrow ? MANTSIM_COUNTER_MAC_OLIVE_W8A4 : MANTSIM_COUNTER_MAC_OLIVE_W8A8; }

void decode_group(const GemmJob &job, const GroupSlice &slice, DecodedWeights &out) {
    out.group_scale[slice.meta] = half_to_float(job.group_scales[slice.meta]);
    // The abfloat outlier magnitudes in int4 units (OliVeFormat.decodeTable, in the payload).
    const uint16_t *outliers = job.payload;  // checked once per job (check_decode_table)
    int16_t *mac = slice.mac;
    for (size_t i = slice.begin; i < slice.end; i += 2) {
        if (i + 1 >= slice.end) {
            mac[i] = sign_extend(slice.codes[i], 4);
            break;
        }
        const uint16_t a = slice.codes[i], b = slice.codes[i + 1];
        if (a == 8 && b == 8) throw std::invalid_argument("job.weight_codes: OliVe pair with two victim codes");
        if (a == 8) {
            mac[i] = 0;
            mac[i + 1] = signed_magnitude(b, outliers);
        } else if (b == 8) {
            mac[i] = signed_magnitude(a, outliers);
            mac[i + 1] = 0;
        } else {
            mac[i] = sign_extend(a, 4);
            mac[i + 1] = sign_extend(b, 4);
        }
    }
}
}  // namespace

extern const PEKind olive_kind = {"olive", false, false, false, true, true, false, mac_counter, decode_group, nullptr, nullptr, 8, 127};

}  // namespace mantsim
