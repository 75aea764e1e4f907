// BitFusion PEs (Sharma et al., ISCA 2018): a fusion unit of 16 BitBricks (2b x 2b multipliers)
// that fuse into one 8b x 8b product per cycle, or into r narrower products per cycle, r = 16 /
// (bricks(w) x bricks(a)) with bricks(b) = 1, 2 or 4 for b up to 2, 4 or 8 bits. The r products of
// a cycle are r consecutive reduction steps of one output, summed in the unit's adder tree. The
// codes and group scales are the INT kind's; the controller runs the job on r x R PE rows of the
// same columns (MantHardware's RTLModel), so every count is per product.
#include "kinds/pe_kind.hpp"

namespace mantsim {

namespace {
uint32_t bricks(uint32_t bits) { return bits <= 2 ? 1 : bits <= 4 ? 2 : 4; }

uint32_t products_per_cycle(uint32_t weight_bits, bool narrow) { return 16 / (bricks(weight_bits) * bricks(narrow ? 4 : 8)); }

int mac_counter(uint32_t weight_bits, bool narrow) {
    switch (products_per_cycle(weight_bits, narrow)) {
        case 1: return MANTSIM_COUNTER_MAC_BF_R1;
        case 2: return MANTSIM_COUNTER_MAC_BF_R2;
        case 4: return MANTSIM_COUNTER_MAC_BF_R4;
        default: return MANTSIM_COUNTER_MAC_BF_R8;
    }
}
}  // namespace

extern const PEKind bitfusion_kind = {"bitfusion", false, false, false, true, true, false, mac_counter, decode_int_group, nullptr,
                                        products_per_cycle};

}  // namespace mantsim
