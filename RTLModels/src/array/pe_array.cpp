#include "array/pe_array.hpp"

#include <algorithm>
#include <cstring>

#include "array/pe_step.hpp"
#include "kinds/pe_kind.hpp"

// The reference numerics define every FP32 step as a separate multiply and add.
#pragma STDC FP_CONTRACT OFF

namespace mantsim {

void SharedOperands::prepare(const ArraySpec &config, const GemmJob &job) {
    const size_t m = job.m, k = job.k, n = job.n;
    const bool ws = job.dataflow == MANTSIM_DATAFLOW_WEIGHT_STATIONARY;
    if (float_datapath(config.pe_type)) {
        x16.resize(m * k);
        for (size_t i = 0; i < m * k; ++i) x16[i] = half_to_float(job.activation_fp16[i]);
        carry16.assign(scales_in_sac(config) && ws ? m * n : 0, 0.0f);
        os16.assign(scales_in_sac(config) && !ws ? m * n : 0, 0.0f);
        carry_m.clear();
        carry_h.clear();
        os_m.clear();
        os_h.clear();
    } else {
        x16.clear();
        carry16.clear();
        carry_m.assign(ws ? m * n : 0, 0);
        carry_h.assign(ws ? m * n : 0, 0);
        os_m.assign(ws ? 0 : m * n, 0);
        os_h.assign(ws ? 0 : m * n, 0);
        os16.clear();
    }
}

void PEArray::configure(const ArraySpec &config, const GemmJob &job,
                        const DecodedWeights &weights, float *accumulators, SharedOperands &shared) {
    rows_ = config.rows;
    cols_ = config.columns;
    pe_type_ = config.pe_type;
    m_ = job.m;
    k_ = job.k;
    n_ = job.n;
    period_ = stored_weight_rows(job);
    grouped_ = scales_in_sac(config);
    group_ = grouped_ ? job.group_size : job.k;
    groups_ = (k_ + group_ - 1) / group_;
    weight_stationary_ = job.dataflow == MANTSIM_DATAFLOW_WEIGHT_STATIONARY;
    shift_lane_ = pe_kind(pe_type_).shift_lane;
    x_ = job.activations;
    shared_ = &shared;
    w_ = &weights;
    acc_ = accumulators;
    const bool narrow_activations = job.activation_bits <= 4;
    mac_counter_ = pe_kind(pe_type_).mac_counter(job.weight_bits, narrow_activations);
    const size_t cells = rows_ * cols_;
    if (float_datapath(pe_type_)) {
        act16_.assign(cells, 0.0f);
        w16_.assign(cells, 0.0f);
        psum16_.assign(cells, 0.0f);
    } else {
        act_.assign(cells, 0);
        w_mac_.assign(cells, 0);
        w_shift_.assign(cells, 0);
        psum_m_.assign(cells, 0);
        psum_h_.assign(cells, 0);
    }
    sac_row_.assign(rows_, 0);
    shift_prefix_.assign(rows_ * (cols_ + 1), 0);
    reset_counters();
}

uint64_t PEArray::tile_cycles(const Tile &tile) const {
    const uint64_t stream = weight_stationary_ ? tile.mt : tile.kt;
    return stream + rows_ + cols_ - 2;
}

void PEArray::begin_tile(const Tile &tile) {
    tile_ = tile;
    if (float_datapath(pe_type_)) {
        std::fill(act16_.begin(), act16_.end(), 0.0f);
        std::fill(psum16_.begin(), psum16_.end(), 0.0f);
        std::fill(w16_.begin(), w16_.end(), 0.0f);
    } else {
        std::fill(act_.begin(), act_.end(), 0);
        std::fill(psum_m_.begin(), psum_m_.end(), 0);
        std::fill(psum_h_.begin(), psum_h_.end(), 0);
        std::fill(w_mac_.begin(), w_mac_.end(), 0);
        std::fill(w_shift_.begin(), w_shift_.end(), 0);
    }
    if (!weight_stationary_) {
        plan_tile(tile);
        return;
    }
    // Weight-stationary: the tile's weights sit in the PEs for the whole tile.
    for (size_t r = 0; r < tile.kt; ++r) {
        const size_t k = tile.k0 + r;
        sac_row_[r] = grouped_ && is_group_end(k);
        uint32_t *prefix = &shift_prefix_[r * (cols_ + 1)];
        prefix[0] = 0;
        for (size_t c = 0; c < cols_; ++c) {
            uint32_t uses_shift = 0;
            if (c < tile.nt) {
                const size_t index = weight_index(tile.n0 + c, k);
                if (float_datapath(pe_type_)) {
                    w16_[r * cols_ + c] = w_->fp16[index];
                } else {
                    w_mac_[r * cols_ + c] = w_->mac_lane[index];
                    w_shift_[r * cols_ + c] = w_->shift_lane[index];
                    uses_shift = w_->shift_lane[index] != 0 ? 1 : 0;
                }
            }
            prefix[c + 1] = prefix[c] + uses_shift;
        }
    }
    for (size_t r = tile.kt; r < rows_; ++r) {
        sac_row_[r] = 0;
        std::fill(&shift_prefix_[r * (cols_ + 1)], &shift_prefix_[(r + 1) * (cols_ + 1)], 0u);
    }
    plan_tile(tile);
}

void PEArray::plan_tile(const Tile &tile) {
    tile_ = tile;
    carry_in_ = grouped_ && tile.k0 % group_ != 0;
    carry_out_ = grouped_ && !is_group_end(tile.k0 + tile.kt - 1);
}

// Columns [lo, hi] of row r hold a valid token at WS cycle t; returns false when none do.
static bool valid_columns(long t, long r, long stream, long width, long &lo, long &hi) {
    lo = std::max(0L, t - r - stream + 1);
    hi = std::min(width - 1, t - r);
    return hi >= lo;
}

void PEArray::step(uint64_t cycle) {
    const long t = static_cast<long>(cycle);
    last_inputs_ = last_weights_ = last_top_ = last_bottom_ = 0;
    if (weight_stationary_) {
        long lo, hi;
        const long mt = static_cast<long>(tile_.mt), nt = static_cast<long>(tile_.nt), bottom = static_cast<long>(rows_) - 1;
        if (valid_columns(t, 0, mt, nt, lo, hi)) last_top_ = static_cast<uint64_t>(hi - lo + 1);
        if (valid_columns(t, bottom, mt, nt, lo, hi)) last_bottom_ = static_cast<uint64_t>(hi - lo + 1);
        float_datapath(pe_type_) ? step_ws_fp16(t) : step_ws_int(t);
    } else {
        step_os(t);
    }
}

// WS steps touch only each row's band of valid columns: a token's activation and partial sum at
// PE (r, c) come from PE (r, c - 1) and PE (r - 1, c) one cycle earlier, where the same token was,
// so the registers outside the band (zeros ahead of the wave, stale values behind it) never reach a
// valid result. Another tile in flight has its own state.
void PEArray::shift_activations(long t, long r, long lo, long hi) {
    const long C = static_cast<long>(cols_);
    const long token = t - r;
    const bool fed = lo == 0 && r < static_cast<long>(tile_.kt);
    last_inputs_ += fed ? 1 : 0;
    const long first = std::max(lo, 1L);
    const size_t count = hi >= first ? static_cast<size_t>(hi - first + 1) : 0;
    if (float_datapath(pe_type_)) {
        float *a = &act16_[r * C];
        std::memmove(a + first, a + first - 1, count * sizeof(float));
        if (lo == 0) a[0] = fed ? shared_->x16[(tile_.m0 + token) * k_ + tile_.k0 + r] : 0.0f;
    } else {
        int16_t *a = &act_[r * C];
        std::memmove(a + first, a + first - 1, count * sizeof(int16_t));
        if (lo == 0) a[0] = fed ? x_[(tile_.m0 + token) * k_ + tile_.k0 + r] : 0;
    }
}

void PEArray::step_ws_int(long t) {
    const long C = static_cast<long>(cols_), mt = static_cast<long>(tile_.mt), nt = static_cast<long>(tile_.nt);
    for (long r = static_cast<long>(rows_) - 1; r >= 0; --r) {
        long lo, hi;
        if (!valid_columns(t, r, mt, nt, lo, hi)) continue;
        shift_activations(t, r, lo, hi);
        const int16_t *a = &act_[r * C];
        int32_t *pm = &psum_m_[r * C];
        int32_t *ph = &psum_h_[r * C];
        const int16_t *wm = &w_mac_[r * C];
        const int16_t *ws = &w_shift_[r * C];
        if (r == 0) {
            for (long c = lo; c <= hi; ++c) {
                int32_t in_m = 0, in_h = 0;
                if (carry_in_) {
                    const size_t slot = (tile_.m0 + (t - c)) * n_ + tile_.n0 + c;
                    in_m = shared_->carry_m[slot];
                    in_h = shared_->carry_h[slot];
                }
                pm[c] = pe_step::integer(in_m, wm[c], a[c]);
                ph[c] = pe_step::integer(in_h, ws[c], a[c]);
            }
        } else if (sac_row_[r - 1]) {
            for (long c = lo; c <= hi; ++c) {
                pm[c] = pe_step::integer(0, wm[c], a[c]);
                ph[c] = pe_step::integer(0, ws[c], a[c]);
            }
        } else {
            const int32_t *um = pm - C;
            const int32_t *uh = ph - C;
            if (shift_lane_) {
                for (long c = lo; c <= hi; ++c) {
                    pm[c] = pe_step::integer(um[c], wm[c], a[c]);
                    ph[c] = pe_step::integer(uh[c], ws[c], a[c]);
                }
            } else {
                for (long c = lo; c <= hi; ++c) pm[c] = pe_step::integer(um[c], wm[c], a[c]);
            }
        }
        if (r >= static_cast<long>(tile_.kt)) continue;
        macs_ += static_cast<uint64_t>(hi - lo + 1);
        const uint32_t *prefix = &shift_prefix_[r * (C + 1)];
        shift_adds_ += prefix[hi + 1] - prefix[lo];
        if (sac_row_[r]) {
            const size_t k = tile_.k0 + r;
            for (long c = lo; c <= hi; ++c) {
                const size_t n = tile_.n0 + c, m = tile_.m0 + (t - r - c);
                const size_t meta = group_index(n, k);
                const int32_t a_g = w_->group_a[meta];
                const int32_t total = pe_step::sac_integer(a_g, pm[c], ph[c]);
                float &acc = acc_[m * n_ + n];
                acc = acc + w_->group_scale[meta] * static_cast<float>(total);
                if (shift_lane_) combines_ += 1;
                scale_accumulates_ += 1;
            }
        } else if (r == static_cast<long>(rows_) - 1 && carry_out_) {
            for (long c = lo; c <= hi; ++c) {
                const size_t slot = (tile_.m0 + (t - r - c)) * n_ + tile_.n0 + c;
                shared_->carry_m[slot] = pm[c];
                shared_->carry_h[slot] = ph[c];
            }
        }
    }
}

void PEArray::step_ws_fp16(long t) {
    const long C = static_cast<long>(cols_), mt = static_cast<long>(tile_.mt), nt = static_cast<long>(tile_.nt);
    const long R = static_cast<long>(rows_);
    for (long r = R - 1; r >= 0; --r) {
        long lo, hi;
        if (!valid_columns(t, r, mt, nt, lo, hi)) continue;
        shift_activations(t, r, lo, hi);
        const float *a = &act16_[r * C];
        float *p = &psum16_[r * C];
        const float *w = &w16_[r * C];
        if (r == 0) {
            // Ungrouped, the top row reads the running sum; grouped, an unfinished group's sum.
            for (long c = lo; c <= hi; ++c) {
                const size_t slot = (tile_.m0 + (t - c)) * n_ + tile_.n0 + c;
                const float in = !grouped_ ? acc_[slot] : carry_in_ ? shared_->carry16[slot] : 0.0f;
                p[c] = pe_step::fp16(in, w[c], a[c]);
            }
        } else if (sac_row_[r - 1]) {
            for (long c = lo; c <= hi; ++c) p[c] = pe_step::fp16(0.0f, w[c], a[c]);
        } else {
            const float *up = p - C;
            for (long c = lo; c <= hi; ++c) p[c] = pe_step::fp16(up[c], w[c], a[c]);
        }
        if (r < static_cast<long>(tile_.kt)) macs_ += static_cast<uint64_t>(hi - lo + 1);
        if (grouped_) {
            if (r >= static_cast<long>(tile_.kt)) continue;
            if (sac_row_[r]) {
                // The group's FP32 sum, scaled and added to the output as the token passes.
                for (long c = lo; c <= hi; ++c) {
                    const size_t n = tile_.n0 + c, m = tile_.m0 + (t - r - c);
                    float &acc = acc_[m * n_ + n];
                    acc = acc + w_->group_scale[group_index(n, tile_.k0 + r)] * p[c];
                    scale_accumulates_ += 1;
                }
            } else if (r == R - 1 && carry_out_) {
                for (long c = lo; c <= hi; ++c) shared_->carry16[(tile_.m0 + (t - r - c)) * n_ + tile_.n0 + c] = p[c];
            }
        } else if (r == R - 1) {
            // The bottom row hands each token's sum back to the output buffer.
            for (long c = lo; c <= hi; ++c) acc_[(tile_.m0 + (t - r - c)) * n_ + tile_.n0 + c] = p[c];
        }
    }
}

void PEArray::row_state(size_t row, std::vector<uint64_t> &out) const {
    for (size_t c = 0; c < cols_; ++c) {
        const size_t cell = row * cols_ + c;
        if (float_datapath(pe_type_)) {
            uint32_t a, p;
            std::memcpy(&a, &act16_[cell], sizeof a);
            const float sum = weight_stationary_ ? psum16_[cell] : os_sum(row, c);
            std::memcpy(&p, &sum, sizeof p);
            out.push_back(a);
            out.push_back(p);
        } else {
            out.push_back(static_cast<uint16_t>(act_[cell]));
            out.push_back(static_cast<uint32_t>(weight_stationary_ ? psum_m_[cell] : os_partial(row, c)));
        }
    }
}

void PEArray::add_counters(const CounterArray &counts) {
    macs_ += counts[mac_counter_];
    shift_adds_ += counts[MANTSIM_COUNTER_SHIFT_ADD];
    combines_ += counts[MANTSIM_COUNTER_SAC_COMBINE];
    scale_accumulates_ += counts[MANTSIM_COUNTER_SAC_SCALE];
}

uint64_t PEArray::shift_weights(const Tile &tile) const {
    if (!shift_lane_) return 0;
    uint64_t count = 0;
    for (size_t n = tile.n0; n < tile.n0 + tile.nt; ++n) {
        const int16_t *row = &w_->shift_lane[weight_index(n, tile.k0)];
        for (size_t k = 0; k < tile.kt; ++k) count += row[k] != 0 ? 1 : 0;
    }
    return count;
}

void PEArray::reset_counters() { macs_ = shift_adds_ = combines_ = scale_accumulates_ = 0; }

void PEArray::report(CounterArray &counters) const {
    counters[mac_counter_] += macs_;
    counters[MANTSIM_COUNTER_SHIFT_ADD] += shift_adds_;
    counters[MANTSIM_COUNTER_SAC_COMBINE] += combines_;
    counters[MANTSIM_COUNTER_SAC_SCALE] += scale_accumulates_;
}

}  // namespace mantsim
