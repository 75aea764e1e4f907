// The output-stationary steps of a PE array: operands shifted in from two edges, sums kept in
// the PEs across K chunks, group partial sums closed into the SAC row.
#include "array/pe_array.hpp"

#include <algorithm>

#include "array/pe_step.hpp"
#include "kinds/pe_kind.hpp"

// The reference numerics define every FP32 step as a separate multiply and add.
#pragma STDC FP_CONTRACT OFF

namespace mantsim {

// OS: activations of K step k0 + s enter row r at tile cycle s + r and move right; weights enter
// column c at s + c and move down, so PE (r, c) sees step k0 + s at cycle s + r + c. Its sums are
// those of output (m0 + r, n0 + c) across every K chunk: they live in the shared output-stationary
// state, and only the PEs a chunk's wave covers touch them.
void PEArray::shift_os_operands(long t) {
    const long C = static_cast<long>(cols_), R = static_cast<long>(rows_), kt = static_cast<long>(tile_.kt);
    const long mt = static_cast<long>(tile_.mt), nt = static_cast<long>(tile_.nt);
    const bool fp16 = float_datapath(pe_type_);
    for (long r = 0; r < R; ++r) {
        const long s = t - r;
        const bool fed = r < mt && s >= 0 && s < kt;
        const size_t at = fed ? (tile_.m0 + r) * k_ + tile_.k0 + s : 0;
        if (fp16) {
            float *a = &act16_[r * C];
            std::memmove(a + 1, a, static_cast<size_t>(C - 1) * sizeof(float));
            a[0] = fed ? shared_->x16[at] : 0.0f;
        } else {
            int16_t *a = &act_[r * C];
            std::memmove(a + 1, a, static_cast<size_t>(C - 1) * sizeof(int16_t));
            a[0] = fed ? x_[at] : 0;
        }
        last_inputs_ += fed ? 1 : 0;
    }
    for (long r = R - 1; r >= 1; --r) {
        if (fp16) {
            std::memcpy(&w16_[r * C], &w16_[(r - 1) * C], static_cast<size_t>(C) * sizeof(float));
        } else {
            std::memcpy(&w_mac_[r * C], &w_mac_[(r - 1) * C], static_cast<size_t>(C) * sizeof(int16_t));
            if (shift_lane_) std::memcpy(&w_shift_[r * C], &w_shift_[(r - 1) * C], static_cast<size_t>(C) * sizeof(int16_t));
        }
    }
    for (long c = 0; c < C; ++c) {
        const long s = t - c;
        const bool valid = c < nt && s >= 0 && s < kt;
        last_weights_ += valid ? 1 : 0;
        const size_t index = valid ? weight_index(tile_.n0 + c, tile_.k0 + static_cast<size_t>(s)) : 0;
        if (fp16) {
            w16_[c] = valid ? w_->fp16[index] : 0.0f;
        } else {
            w_mac_[c] = valid ? w_->mac_lane[index] : 0;
            w_shift_[c] = valid ? w_->shift_lane[index] : 0;
        }
    }
}

void PEArray::step_os(long t) {
    shift_os_operands(t);
    const long C = static_cast<long>(cols_), kt = static_cast<long>(tile_.kt);
    const long nt = static_cast<long>(tile_.nt), rows = std::min(static_cast<long>(rows_), static_cast<long>(tile_.mt));
    const bool fp16 = float_datapath(pe_type_);
    for (long r = 0; r < rows; ++r) {
        const long lo = std::max(0L, t - r - kt + 1), hi = std::min(nt - 1, t - r);
        if (hi < lo) continue;
        macs_ += static_cast<uint64_t>(hi - lo + 1);
        for (long c = lo; c <= hi; ++c) {
            const size_t cell = static_cast<size_t>(r * C + c);
            const size_t slot = (tile_.m0 + r) * n_ + tile_.n0 + c;
            const size_t k = tile_.k0 + static_cast<size_t>(t - r - c);
            if (fp16) {
                // Grouped, each group sums on its own and its SAC adds it to the output when it ends.
                float &sum = grouped_ ? shared_->os16[slot] : acc_[slot];
                sum = pe_step::fp16(sum, w16_[cell], act16_[cell]);
            } else {
                shared_->os_m[slot] = pe_step::integer(shared_->os_m[slot], w_mac_[cell], act_[cell]);
                if (shift_lane_) {
                    shared_->os_h[slot] = pe_step::integer(shared_->os_h[slot], w_shift_[cell], act_[cell]);
                    shift_adds_ += w_shift_[cell] != 0 ? 1 : 0;
                }
            }
            if (grouped_ && is_group_end(k)) close_group(slot, k);
        }
    }
}

// OS: output `slot` just consumed the last step of a group; its PE's SAC applies the group's scale.
void PEArray::close_group(size_t slot, size_t k_end) {
    const size_t meta = group_index(slot % n_, k_end);
    float &acc = acc_[slot];
    scale_accumulates_ += 1;
    if (float_datapath(pe_type_)) {
        acc = acc + w_->group_scale[meta] * shared_->os16[slot];
        shared_->os16[slot] = 0.0f;
        return;
    }
    const int32_t total = pe_step::sac_integer(w_->group_a[meta], shared_->os_m[slot], shared_->os_h[slot]);
    acc = acc + w_->group_scale[meta] * static_cast<float>(total);
    shared_->os_m[slot] = 0;
    shared_->os_h[slot] = 0;
    if (shift_lane_) combines_ += 1;
}

float PEArray::os_sum(size_t r, size_t c) const {
    return r < tile_.mt && c < tile_.nt ? acc_[(tile_.m0 + r) * n_ + tile_.n0 + c] : 0.0f;
}

int32_t PEArray::os_partial(size_t r, size_t c) const {
    return r < tile_.mt && c < tile_.nt ? shared_->os_m[(tile_.m0 + r) * n_ + tile_.n0 + c] : 0;
}

}  // namespace mantsim
