// VQ PEs (VQ-LLM): a decoder reads each weight vector's codebook entries, one per residual stage,
// from the codebook SRAM or the hot-entry store (vq_decoder.cpp times it), sums them and rounds
// to the FP16 the PEs multiply.
#include <stdexcept>
#include <string>

#include "common/fp16.hpp"
#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
int mac_counter(uint32_t, bool) { return MANTSIM_COUNTER_MAC_FP16; }

// VQ-LLM's W = sum over stages of codebook[stage][index] (binary32, stage order), rounded to the
// FP16 the PEs multiply.
DecodedWeights decode_all(const GemmJob &job, const ArraySpec &) {
    const VQLayout layout(job);
    const size_t v = layout.v;
    if (v != 2 && v != 4 && v != 8) throw std::invalid_argument("job.vq.vector_length: expected 2, 4 or 8");
    if (layout.stages != 1 && layout.stages != 2) throw std::invalid_argument("job.vq.stages: expected 1 or 2");
    if (job.vq.axis != MANTSIM_VQ_AXIS_REDUCTION && job.vq.axis != MANTSIM_VQ_AXIS_OUTPUT) {
        throw std::invalid_argument("job.vq.axis: expected reduction or output");
    }
    if (layout.along_output && (layout.rows % v != 0 || job.n % v != 0)) {
        throw std::invalid_argument("job.n: " + std::to_string(job.n) + " output channels (" + std::to_string(layout.rows) +
                                    " stored) are not a whole number of VQ vectors of " + std::to_string(v));
    }
    if (!layout.along_output && job.k % v != 0) {
        throw std::invalid_argument("job.k: " + std::to_string(job.k) + " is not a whole number of VQ vectors of " + std::to_string(v));
    }
    if (job.vq.scope != MANTSIM_VQ_SCOPE_TENSOR && job.vq.scope != MANTSIM_VQ_SCOPE_TILE && job.vq.scope != MANTSIM_VQ_SCOPE_ROWS) {
        throw std::invalid_argument("job.vq.scope: expected tensor, tile or rows");
    }
    if (job.vq.scope != MANTSIM_VQ_SCOPE_TENSOR && job.vq.scope_size == 0) throw std::invalid_argument("job.vq.scope_size: must be positive");
    if (job.payload == nullptr) throw std::invalid_argument("job.decoder_payload: required by the VQ array");
    if (job.payload_values != layout.scope_count() * layout.set_values()) {
        throw std::invalid_argument("job.decoder_payload_values: " + std::to_string(layout.scope_count()) + " scope(s) of " +
                                    std::to_string(layout.set_values()) + " codebook values, got " + std::to_string(job.payload_values));
    }
    DecodedWeights out;
    out.fp16.resize(layout.rows * layout.k);
    const size_t down = layout.along_output ? 1 : 0, across = 1 - down;
    for (size_t row = 0; row < layout.rows; row += layout.row_step()) {
        for (size_t col = 0; col < layout.k; col += layout.col_step()) {
            const size_t book = layout.scope_of(row, col) * layout.set_values();
            float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (size_t stage = 0; stage < layout.stages; ++stage) {
                const uint16_t index = job.weight_codes[layout.code_index(row, col, stage)];
                if (index >= layout.entries) {
                    throw std::invalid_argument("job.weight_codes: VQ index " + std::to_string(index) + " is outside the codebook of " +
                                                std::to_string(layout.entries) + " entries");
                }
                const uint16_t *entry = job.payload + book + (stage * layout.entries + index) * v;
                for (size_t e = 0; e < v; ++e) sum[e] += half_to_float(entry[e]);
            }
            for (size_t e = 0; e < v; ++e) {
                out.fp16[(row + e * down) * layout.k + col + e * across] = half_to_float(float_to_half(sum[e], false));
            }
        }
    }
    return out;
}
}  // namespace

extern const PEKind vq_kind = {"vq", true, false, false, false, false, true, mac_counter, nullptr, decode_all};

}  // namespace mantsim
