#include "decoders.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kv_quantizers.hpp"

namespace mantsim {

namespace {

// M-ANT candidate coefficients (selectors 0..14); selector 15 is linear.
const int32_t mant_coefficients[15] = {0, 5, 10, 17, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};

// ANT magnitudes as integers, and the power of two that turns them back into grid units:
// int {0..7}, flint {0,.25,.5,.75,1,1.5,2,4} x4, pot {0,1,2,..,64}, float (E2M1) x2.
const int16_t ant_magnitudes[4][8] = {
    {0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 6, 8, 16}, {0, 1, 2, 4, 8, 16, 32, 64}, {0, 1, 2, 3, 4, 6, 8, 12}};
const int ant_shift[4] = {0, 2, 0, 1};

// OliVe abfloat outlier magnitudes in int4 units (index 1..7).
const int16_t olive_outliers[8] = {0, 12, 16, 24, 32, 48, 64, 96};
// E2M1 magnitudes times two.
const int16_t e2m1_twice[8] = {0, 1, 2, 3, 4, 6, 8, 12};

int16_t sign_extend(uint32_t code, uint32_t bits) {
    const uint32_t shift = 32 - bits;
    return static_cast<int16_t>(static_cast<int32_t>(code << shift) >> shift);
}

float power_of_two(int exponent) { return std::ldexp(1.0f, exponent); }

}  // namespace

VQLayout::VQLayout(const mantsim_gemm_job &job)
    : rows(stored_weight_rows(job)), k(job.k), v(job.vq_vector_length), stages(job.vq_stages),
      entries(size_t{1} << job.weight_bits), scope_size(job.vq_scope_size), scope(job.vq_scope),
      along_output(job.vq_axis == MANTSIM_VQ_AXIS_OUTPUT) {}

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

size_t stored_weight_rows(const mantsim_gemm_job &job) {
    return job.weight_row_period == 0 ? job.n : job.weight_row_period;
}

float half_to_float(uint16_t bits) {
    const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
    const uint32_t exponent = (bits >> 10) & 0x1Fu;
    const uint32_t mantissa = bits & 0x3FFu;
    float magnitude;
    if (exponent == 0) {
        magnitude = static_cast<float>(mantissa) * power_of_two(-24);
    } else if (exponent == 31) {
        magnitude = mantissa == 0 ? INFINITY : NAN;
    } else {
        const uint32_t word = ((exponent + 112u) << 23) | (mantissa << 13);
        std::memcpy(&magnitude, &word, sizeof magnitude);
    }
    uint32_t word;
    std::memcpy(&word, &magnitude, sizeof word);
    word |= sign;
    float result;
    std::memcpy(&result, &word, sizeof result);
    return result;
}

// VQ-LLM's W = sum over stages of codebook[stage][index] (binary32, stage order), rounded to the
// FP16 the PEs multiply.
DecodedWeights decode_vq(const mantsim_gemm_job &job) {
    const VQLayout layout(job);
    const size_t v = layout.v;
    if (v != 2 && v != 4 && v != 8) throw std::invalid_argument("job.vq_vector_length: expected 2, 4 or 8");
    if (layout.stages != 1 && layout.stages != 2) throw std::invalid_argument("job.vq_stages: expected 1 or 2");
    if (job.vq_axis != MANTSIM_VQ_AXIS_REDUCTION && job.vq_axis != MANTSIM_VQ_AXIS_OUTPUT) {
        throw std::invalid_argument("job.vq_axis: expected reduction or output");
    }
    if (layout.along_output && (layout.rows % v != 0 || job.n % v != 0)) {
        throw std::invalid_argument("job.n: " + std::to_string(job.n) + " output channels (" + std::to_string(layout.rows) +
                                    " stored) are not a whole number of VQ vectors of " + std::to_string(v));
    }
    if (!layout.along_output && job.k % v != 0) {
        throw std::invalid_argument("job.k: " + std::to_string(job.k) + " is not a whole number of VQ vectors of " + std::to_string(v));
    }
    if (job.vq_scope != MANTSIM_VQ_SCOPE_TENSOR && job.vq_scope != MANTSIM_VQ_SCOPE_TILE && job.vq_scope != MANTSIM_VQ_SCOPE_ROWS) {
        throw std::invalid_argument("job.vq_scope: expected tensor, tile or rows");
    }
    if (job.vq_scope != MANTSIM_VQ_SCOPE_TENSOR && job.vq_scope_size == 0) throw std::invalid_argument("job.vq_scope_size: must be positive");
    if (job.vq_codebook == nullptr) throw std::invalid_argument("job.vq_codebook: required by the VQ array");
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
                const uint16_t *entry = job.vq_codebook + book + (stage * layout.entries + index) * v;
                for (size_t e = 0; e < v; ++e) sum[e] += half_to_float(entry[e]);
            }
            for (size_t e = 0; e < v; ++e) {
                out.fp16[(row + e * down) * layout.k + col + e * across] = half_to_float(float_to_half(sum[e], false));
            }
        }
    }
    return out;
}

DecodedWeights decode_weights(const mantsim_gemm_job &job, const mantsim_array_config &config) {
    const int pe_type = config.pe_type;
    // A repeating operand stores only its period of rows; the PEs index them modulo it.
    const size_t n = stored_weight_rows(job), k = job.k, g = job.group_size;
    const size_t groups = (k + g - 1) / g;
    DecodedWeights out;
    if (pe_type == MANTSIM_PE_FP16) {
        out.fp16.resize(n * k);
        for (size_t i = 0; i < n * k; ++i) out.fp16[i] = half_to_float(job.weight_codes[i]);
        return out;
    }
    if (pe_type == MANTSIM_PE_VQ) return decode_vq(job);
    if (job.group_scales == nullptr) throw std::invalid_argument("job.group_scales: required for integer PE types");
    if (pe_type == MANTSIM_PE_LUT) {
        // Scale at the decoder: FLUTE's W = table[q] * s in FP16 (the FP16 product is exact in
        // binary32 and rounds once). Scale in the SAC row: W = table[q], S = s.
        if (job.lut_table == nullptr || job.lut_entries == 0) throw std::invalid_argument("job.lut_table: required by the LUT array");
        const bool in_sac = scales_in_sac(config);
        out.fp16.resize(n * k);
        if (in_sac) {
            out.group_a.assign(n * groups, 1);
            out.group_scale.resize(n * groups);
            for (size_t i = 0; i < n * groups; ++i) out.group_scale[i] = half_to_float(job.group_scales[i]);
        }
        for (size_t row = 0; row < n; ++row) {
            for (size_t i = 0; i < k; ++i) {
                const uint16_t code = job.weight_codes[row * k + i];
                if (code >= job.lut_entries) {
                    throw std::invalid_argument("job.weight_codes: index " + std::to_string(code) + " is outside the table of " +
                                                std::to_string(job.lut_entries) + " entries");
                }
                const float entry = half_to_float(job.lut_table[code]);
                if (in_sac) {
                    out.fp16[row * k + i] = entry;
                    continue;
                }
                const float product = entry * half_to_float(job.group_scales[row * groups + i / g]);
                out.fp16[row * k + i] = half_to_float(float_to_half(product, false));
            }
        }
        return out;
    }
    out.mac_lane.assign(n * k, 0);
    out.shift_lane.assign(n * k, 0);
    out.group_a.assign(n * groups, 1);
    out.group_scale.assign(n * groups, 0.0f);
    const uint32_t bits = job.weight_bits;
    for (size_t row = 0; row < n; ++row) {
        for (size_t group = 0; group < groups; ++group) {
            const size_t meta = row * groups + group;
            const size_t begin = group * g, end = std::min(k, begin + g);
            const uint16_t *codes = job.weight_codes + row * k;
            int16_t *mac = out.mac_lane.data() + row * k;
            int16_t *shift = out.shift_lane.data() + row * k;
            switch (pe_type) {
            case MANTSIM_PE_INT: {
                out.group_scale[meta] = half_to_float(job.group_scales[meta]);
                for (size_t i = begin; i < end; ++i) mac[i] = sign_extend(codes[i], bits);
                break;
            }
            case MANTSIM_PE_MANT: {
                const uint8_t selector = job.group_selectors[meta];
                if (selector > 15) throw std::invalid_argument("job.group_selectors: M-ANT selector above 15");
                const uint32_t magnitude_bits = bits - 1;
                out.group_scale[meta] = half_to_float(job.group_scales[meta]);
                out.group_a[meta] = selector == 15 ? 1 : mant_coefficients[selector];
                for (size_t i = begin; i < end; ++i) {
                    const uint32_t index = codes[i] & ((1u << magnitude_bits) - 1);
                    const int16_t sign = ((codes[i] >> magnitude_bits) & 1u) ? -1 : 1;
                    mac[i] = static_cast<int16_t>(sign * static_cast<int16_t>(index));
                    shift[i] = selector == 15 ? 0 : static_cast<int16_t>(sign * (1 << index));
                }
                break;
            }
            case MANTSIM_PE_ANT: {
                const uint8_t type = job.group_selectors[meta];
                if (type > 3) throw std::invalid_argument("job.group_selectors: ANT type above 3");
                out.group_scale[meta] = half_to_float(job.group_scales[meta]) * power_of_two(-ant_shift[type]);
                for (size_t i = begin; i < end; ++i) {
                    const int16_t magnitude = ant_magnitudes[type][codes[i] & 7u];
                    mac[i] = (codes[i] & 8u) ? static_cast<int16_t>(-magnitude) : magnitude;
                }
                break;
            }
            case MANTSIM_PE_OLIVE: {
                out.group_scale[meta] = half_to_float(job.group_scales[meta]);
                for (size_t i = begin; i < end; i += 2) {
                    if (i + 1 >= end) {
                        mac[i] = sign_extend(codes[i], 4);
                        break;
                    }
                    const uint16_t a = codes[i], b = codes[i + 1];
                    auto outlier = [](uint16_t code) {
                        const int16_t magnitude = olive_outliers[code & 7u];
                        return (code & 8u) ? static_cast<int16_t>(-magnitude) : magnitude;
                    };
                    if (a == 8 && b == 8) throw std::invalid_argument("job.weight_codes: OliVe pair with two victim codes");
                    if (a == 8) {
                        mac[i] = 0;
                        mac[i + 1] = outlier(b);
                    } else if (b == 8) {
                        mac[i] = outlier(a);
                        mac[i + 1] = 0;
                    } else {
                        mac[i] = sign_extend(a, 4);
                        mac[i + 1] = sign_extend(b, 4);
                    }
                }
                break;
            }
            case MANTSIM_PE_MXFP4: {
                const uint16_t exponent = job.group_scales[meta];
                if (exponent >= 255) throw std::invalid_argument("job.group_scales: MXFP4 scale 0xFF is NaN");
                out.group_scale[meta] = power_of_two(static_cast<int>(exponent) - 128);
                for (size_t i = begin; i < end; ++i) {
                    const int16_t magnitude = e2m1_twice[codes[i] & 7u];
                    mac[i] = (codes[i] & 8u) ? static_cast<int16_t>(-magnitude) : magnitude;
                }
                break;
            }
            default: throw std::invalid_argument("config.pe_type: unknown PE type");
            }
            const int32_t a = out.group_a[meta];
            for (size_t i = begin; i < end; ++i) {
                const int32_t magnitude = std::abs(a * mac[i] + shift[i]);
                if (magnitude > out.max_magnitude) out.max_magnitude = magnitude;
            }
        }
    }
    return out;
}

}  // namespace mantsim
