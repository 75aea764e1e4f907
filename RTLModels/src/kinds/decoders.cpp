#include "kinds/decoders.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/field_error.hpp"
#include "common/fp16.hpp"
#include "kinds/pe_kind.hpp"

namespace mantsim {

float power_of_two(int exponent) { return std::ldexp(1.0f, exponent); }

void check_decode_table(const GemmJob &job, const PEKind &kind) {
    const uint32_t count = kind.table_entries;
    if (job.payload == nullptr || job.payload_values != count) {
        throw field_error("job.decoder_payload", std::string("the ") + kind.name + " array decodes with its format's table of " +
                                                     std::to_string(count) + " entries, sent in the payload; got " +
                                                     std::to_string(job.payload ? job.payload_values : 0));
    }
    for (uint32_t i = 0; i < count; ++i) {
        if (job.payload[i] > kind.table_largest) {
            throw field_error("job.decoder_payload", std::string("entry ") + std::to_string(i) + " of the " + kind.name + " table is " +
                                                         std::to_string(job.payload[i]) + ", above " + std::to_string(kind.table_largest));
        }
    }
}

VQLayout::VQLayout(const GemmJob &job)
    : rows(stored_weight_rows(job)), k(job.k), v(job.vq.vector_length), stages(job.vq.stages),
      entries(size_t{1} << job.weight_bits), scope_size(job.vq.scope_size), scope(job.vq.scope),
      along_output(job.vq.axis == MANTSIM_VQ_AXIS_OUTPUT) {}

size_t VQLayout::scope_count() const {
    switch (scope) {
    case MANTSIM_VQ_SCOPE_TILE: return ((rows + scope_size - 1) / scope_size) * ((k + scope_size - 1) / scope_size);
    case MANTSIM_VQ_SCOPE_ROWS: return (rows + scope_size - 1) / scope_size;
    default: return 1;
    }
}

size_t VQLayout::scope_of(size_t row, size_t col) const {
    switch (scope) {
    case MANTSIM_VQ_SCOPE_TILE: return (row / scope_size) * ((k + scope_size - 1) / scope_size) + col / scope_size;
    case MANTSIM_VQ_SCOPE_ROWS: return row / scope_size;
    default: return 0;
    }
}

size_t stored_weight_rows(const GemmJob &job) {
    return job.weight_row_period == 0 ? job.n : job.weight_row_period;
}


DecodedWeights decode_weights(const GemmJob &job, const ArraySpec &config) {
    const PEKind &kind = pe_kind(config.pe_type);
    if (kind.group_metadata && job.group_scales == nullptr) throw std::invalid_argument("job.group_scales: required by this PE type");
    if (kind.decode_all != nullptr) return kind.decode_all(job, config);
    if (kind.table_entries > 0) check_decode_table(job, kind);
    // Integer kinds: group by group of each stored row (a repeating operand stores only its period
    // of rows; the PEs index them modulo it).
    const size_t n = stored_weight_rows(job), k = job.k, g = job.group_size;
    const size_t groups = (k + g - 1) / g;
    DecodedWeights out;
    out.mac_lane.assign(n * k, 0);
    out.shift_lane.assign(n * k, 0);
    out.group_a.assign(n * groups, 1);
    out.group_scale.assign(n * groups, 0.0f);
    for (size_t row = 0; row < n; ++row) {
        for (size_t group = 0; group < groups; ++group) {
            const GroupSlice slice{job.weight_codes + row * k, group * g, std::min(k, group * g + g), row * groups + group,
                                   out.mac_lane.data() + row * k, out.shift_lane.data() + row * k};
            kind.decode_group(job, slice, out);
            const int32_t a = out.group_a[slice.meta];
            for (size_t i = slice.begin; i < slice.end; ++i) {
                const int32_t magnitude = std::abs(a * slice.mac[i] + slice.shift[i]);
                if (magnitude > out.max_magnitude) out.max_magnitude = magnitude;
            }
        }
    }
    return out;
}

}  // namespace mantsim
