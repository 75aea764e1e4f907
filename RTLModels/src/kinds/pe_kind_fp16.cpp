// FP16 PEs: the codes are FP16 weights, multiplied by FP16 activations into FP32 sums; no scales.
#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
int mac_counter(uint32_t, bool) { return MANTSIM_COUNTER_MAC_FP16; }

DecodedWeights decode_all(const GemmJob &job, const ArraySpec &) {
    const size_t count = stored_weight_rows(job) * job.k;
    DecodedWeights out;
    out.fp16.resize(count);
    for (size_t i = 0; i < count; ++i) out.fp16[i] = half_to_float(job.weight_codes[i]);
    return out;
}
}  // namespace

extern const PEKind fp16_kind = {"fp16", true, false, false, false, false, false, mac_counter, nullptr, decode_all};

}  // namespace mantsim
