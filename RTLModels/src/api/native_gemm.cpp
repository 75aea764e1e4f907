// The same quantized GEMM as the array computes, as a plain loop with no simulation: the
// yardstick the benchmark measures the cycle-level model against (same compiler, same flags).
#include "mantsim_rtl.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "kinds/decoders.hpp"
#include "api/native_gemm.hpp"

#pragma STDC FP_CONTRACT OFF

namespace mantsim {

void native_gemm(const ArraySpec &config, const GemmJob &job) {
    {
        const mantsim::DecodedWeights weights = mantsim::decode_weights(job, config);
        const size_t m = job.m, k = job.k, n = job.n, stored = mantsim::stored_weight_rows(job);
        // Group scales in a SAC row: sum each group on its own (the FP16 datapath otherwise runs K as one group).
        const bool grouped = mantsim::scales_in_sac(config);
        const size_t g = grouped ? job.group_size : k, groups = (k + g - 1) / g;
        if (mantsim::float_datapath(config.pe_type)) {
            std::vector<float> x(m * k);
            for (size_t i = 0; i < m * k; ++i) x[i] = mantsim::half_to_float(job.activation_fp16[i]);
            for (size_t row = 0; row < m; ++row) {
                for (size_t column = 0; column < n; ++column) {
                    const float *w = weights.fp16.data() + (column % stored) * k;
                    float acc = 0.0f;
                    for (size_t group = 0; group < groups; ++group) {
                        float sum = grouped ? 0.0f : acc;
                        for (size_t step = group * g; step < std::min(k, (group + 1) * g); ++step) sum = sum + w[step] * x[row * k + step];
                        acc = grouped ? acc + weights.group_scale[(column % stored) * groups + group] * sum : sum;
                    }
                    job.output[row * n + column] = acc;
                }
            }
            return;
        }
        for (size_t row = 0; row < m; ++row) {
            const int8_t *x = job.activations + row * k;
            const float scale = mantsim::half_to_float(job.activation_scales[row]);
            for (size_t column = 0; column < n; ++column) {
                const int16_t *mac = weights.mac_lane.data() + (column % stored) * k;
                const int16_t *shift = weights.shift_lane.data() + (column % stored) * k;
                float acc = 0.0f;
                for (size_t group = 0; group < groups; ++group) {
                    int32_t sum_mac = 0, sum_shift = 0;
                    const size_t end = std::min(k, (group + 1) * g);
                    for (size_t step = group * g; step < end; ++step) {
                        sum_mac += mac[step] * x[step];
                        sum_shift += shift[step] * x[step];
                    }
                    const size_t meta = (column % stored) * groups + group;
                    acc = acc + weights.group_scale[meta] * static_cast<float>(weights.group_a[meta] * sum_mac + sum_shift);
                }
                job.output[row * n + column] = acc * scale;
            }
        }
    }
}

}  // namespace mantsim
