// Every PE kind, in the order of their codes (MANTSIM_PE_* names the bundled ones): a new kind is
// one more entry here and gets the next code.
#include "kinds/pe_kind.hpp"

#include <stdexcept>
#include <string>

namespace mantsim {

extern const PEKind fp16_kind, int_kind, mant_kind, ant_kind, olive_kind, mxfp4_kind, lut_kind, vq_kind, bitfusion_kind;

namespace {
const PEKind *const kinds[] = {&fp16_kind, &int_kind, &mant_kind, &ant_kind, &olive_kind, &mxfp4_kind, &lut_kind, &vq_kind, &bitfusion_kind};
}  // namespace

int pe_kind_count() { return static_cast<int>(sizeof(kinds) / sizeof(kinds[0])); }

const PEKind &pe_kind(int pe_type) {
    if (pe_type < 0 || pe_type >= pe_kind_count()) {
        throw std::invalid_argument("array.pe_type: unknown PE type " + std::to_string(pe_type));
    }
    return *kinds[pe_type];
}

bool float_datapath(int pe_type) { return pe_kind(pe_type).float_datapath; }

}  // namespace mantsim
