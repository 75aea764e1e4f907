// The PE array: R x C PEs modelled as compact state arrays that one clocked process steps once
// per cycle. Operands move between neighbours exactly as the dataflow says:
//
//  weight-stationary (WS): PE(r, c) holds W[n0 + c][k0 + r]. Token m's activation for row r
//    enters PE(r, 0) at tile cycle m + r and moves one PE right per cycle; partial sums move one
//    PE down per cycle, so token m passes PE(r, c) at cycle m + r + c. A SAC unit sits below every
//    PE row that ends a weight group and applies acc += S_g * (a_g * M + H) as the token passes.
//    A group that runs past the bottom of the tile leaves its integer partial sums in the output
//    buffer and re-enters at the top of the next K tile. Tile cycles: m_t + R + C - 2.
//  output-stationary (OS): PE(r, c) owns output (m0 + r, n0 + c) for the whole of K, which
//    arrives in chunks. Activation k0 + s enters row r at chunk cycle s + r and moves right; weight
//    k0 + s enters column c at s + c and moves down, so PE(r, c) sees step k0 + s at s + r + c and
//    applies its group's scale in place when a group ends. Chunk cycles: kt + R + C - 2.
//
// Integer PEs keep two lanes: the MAC lane (sum of w*x; for M-ANT +-i*x, the 3-bit multiplier)
// and the shift lane (M-ANT's +-(x << i), zero for other types).
// FP16-datapath PEs keep one FP32 partial sum: the running output (FP16, VQ, LUT with its scale at
// the decoder), or, for the LUT array with its scale in the SAC, one group's sum, which the SAC
// row scales into the output exactly as it does an integer array's.
#pragma once

#include <cstdint>
#include <vector>

#include "common/counters.hpp"
#include "common/job.hpp"
#include "common/tile.hpp"
#include "kinds/decoders.hpp"

namespace mantsim {

// What every tile in flight shares: the job's activations as the datapath reads them, and the
// output buffer's partial sums of unfinished groups (WS), which one tile leaves at the bottom
// of a column and a later K tile reads at the top.
struct SharedOperands {
    std::vector<float> x16;                   // FP16 datapath: activations widened to FP32
    std::vector<int32_t> carry_m, carry_h;    // WS integer: M x N partial sums of unfinished groups
    std::vector<float> carry16;               // WS, grouped FP16 datapath: the same in FP32
    std::vector<int32_t> os_m, os_h;          // OS integer: each output's unfinished group sums
    std::vector<float> os16;                  // OS, grouped FP16 datapath: the same in FP32

    void prepare(const ArraySpec &config, const GemmJob &job);
};

// One tile's state in the array. Tiles in flight at once each have their own instance (their
// wavefronts occupy disjoint PEs at every cycle, which the controller's schedule guarantees), so
// the physical registers are the union of the instances' valid bands.
class PEArray {
  public:
    // Sizes the state for a job; `accumulators` is the job's M x N FP32 output accumulator
    // (the output buffer's contents); both it and `shared` must outlive the job.
    void configure(const ArraySpec &config, const GemmJob &job, const DecodedWeights &weights,
                   float *accumulators, SharedOperands &shared);

    // Loads a tile's weights into the PEs (and plans it).
    void begin_tile(const Tile &tile);
    // Sets which partial sums a tile exchanges with the output buffer, without loading it.
    void plan_tile(const Tile &tile);
    void step(uint64_t cycle);
    uint64_t tile_cycles(const Tile &tile) const;

    // Whether a WS tile reads and writes integer partial sums of an unfinished group.
    bool carries_in() const { return carry_in_; }
    bool carries_out() const { return carry_out_; }

    // Activations that entered the array in the last step (the ABUF read port's traffic).
    uint64_t last_inputs() const { return last_inputs_; }
    // Weights that entered the array in the last step (OS: the WBUF read port's traffic).
    uint64_t last_weights() const { return last_weights_; }
    // WS: tokens whose sums left the top of a column from the output buffer, and entered it at
    // the bottom, in the last step (the OBUF port's traffic).
    uint64_t last_top_outputs() const { return last_top_; }
    uint64_t last_bottom_outputs() const { return last_bottom_; }
    // Register values of one PE row (activation, MAC-lane partial sum; FP16: their bit patterns).
    void row_state(size_t row, std::vector<uint64_t> &out) const;

    void reset_counters();
    // Adds counts recorded from an earlier tile (fast fidelity replays).
    void add_counters(const CounterArray &counts);
    // Valid MACs so far (the PE-idle count is the controller's: busy array cycles x PEs - MACs).
    uint64_t macs() const { return macs_; }
    // M-ANT weights of a tile that use the shift path: each takes part in one shift-add per token.
    uint64_t shift_weights(const Tile &tile) const;
    void report(CounterArray &counters) const;

  private:
    void shift_activations(long t, long r, long lo, long hi);
    void step_ws_int(long t);
    void step_ws_fp16(long t);
    void shift_os_operands(long t);
    void step_os(long t);
    void close_group(size_t slot, size_t k_end);
    float os_sum(size_t r, size_t c) const;
    int32_t os_partial(size_t r, size_t c) const;
    bool is_group_end(size_t k) const { return (k + 1) % group_ == 0 || k + 1 == k_; }
    size_t group_index(size_t n, size_t k) const { return (n % period_) * groups_ + k / group_; }
    // Index of weight (n, k) in the decoded arrays, which hold the operand's stored rows.
    size_t weight_index(size_t n, size_t k) const { return (n % period_) * k_ + k; }
    void count_row(size_t valid, size_t first_column, size_t row_index);

    size_t rows_ = 0, cols_ = 0, m_ = 0, k_ = 0, n_ = 0, period_ = 1, group_ = 1, groups_ = 1;
    int pe_type_ = 0;
    bool weight_stationary_ = true;
    bool shift_lane_ = false;
    bool grouped_ = false;  // group scales applied by SAC rows (integer arrays; LUT with lut.scale SAC)
    int mac_counter_ = MANTSIM_COUNTER_MAC_W8A8;
    const int8_t *x_ = nullptr;
    SharedOperands *shared_ = nullptr;
    const DecodedWeights *w_ = nullptr;
    float *acc_ = nullptr;

    Tile tile_;
    bool carry_in_ = false, carry_out_ = false;
    std::vector<int16_t> act_, w_mac_, w_shift_;
    std::vector<float> act16_, w16_, psum16_;
    std::vector<int32_t> psum_m_, psum_h_;
    std::vector<uint8_t> sac_row_;            // WS: row r ends a group
    std::vector<uint32_t> shift_prefix_;      // WS: per row, prefix count of columns using the shift path

    uint64_t last_inputs_ = 0, last_weights_ = 0, last_top_ = 0, last_bottom_ = 0;
    uint64_t macs_ = 0, shift_adds_ = 0, combines_ = 0, scale_accumulates_ = 0;
};

}  // namespace mantsim
