// LUT PEs (FLUTE): the decoder reads table[q] (FP16) for each code. Scale at the decoder: W =
// table[q] x s in FP16 (the FP16 product is exact in binary32 and rounds once). Scale in the SAC
// row: W = table[q], S = s, and the PEs sum each group on its own.
#include <stdexcept>
#include <string>

#include "common/fp16.hpp"
#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
int mac_counter(uint32_t, bool) { return MANTSIM_COUNTER_MAC_FP16; }

DecodedWeights decode_all(const GemmJob &job, const ArraySpec &config) {
    if (job.payload == nullptr || job.payload_values == 0) throw std::invalid_argument("job.decoder_payload: required by the LUT array");
    const size_t n = stored_weight_rows(job), k = job.k, g = job.group_size, groups = (k + g - 1) / g;
    const bool in_sac = scales_in_sac(config);
    DecodedWeights out;
    out.fp16.resize(n * k);
    if (in_sac) {
        out.group_a.assign(n * groups, 1);
        out.group_scale.resize(n * groups);
        for (size_t i = 0; i < n * groups; ++i) out.group_scale[i] = half_to_float(job.group_scales[i]);
    }
    for (size_t row = 0; row < n; ++row) {
        for (size_t i = 0; i < k; ++i) {
            const uint16_t code = job.weight_codes[row * k + i];
            if (code >= job.payload_values) {
                throw std::invalid_argument("job.weight_codes: index " + std::to_string(code) + " is outside the table of " +
                                            std::to_string(job.payload_values) + " entries");
            }
            const float entry = half_to_float(job.payload[code]);
            out.fp16[row * k + i] = in_sac ? entry : half_to_float(float_to_half(entry * half_to_float(job.group_scales[row * groups + i / g]), false));
        }
    }
    return out;
}
}  // namespace

extern const PEKind lut_kind = {"lut", true, false, false, true, true, false, mac_counter, nullptr, decode_all};

}  // namespace mantsim
