// Every PE kind, by its MANTSIM_PE_* value.
#include "kinds/pe_kind.hpp"

#include <stdexcept>
#include <string>

namespace mantsim {

extern const PEKind fp16_kind, int_kind, mant_kind, ant_kind, olive_kind, mxfp4_kind, lut_kind, vq_kind, bitfusion_kind;

const PEKind &pe_kind(int pe_type) {
    static const PEKind *const kinds[MANTSIM_PE_TYPE_COUNT] = {&fp16_kind, &int_kind,   &mant_kind, &ant_kind,
                                                                &olive_kind, &mxfp4_kind, &lut_kind,  &vq_kind, &bitfusion_kind};
    if (pe_type < 0 || pe_type >= MANTSIM_PE_TYPE_COUNT) {
        throw std::invalid_argument("array.pe_type: unknown PE type " + std::to_string(pe_type));
    }
    return *kinds[pe_type];
}

bool float_datapath(int pe_type) { return pe_kind(pe_type).float_datapath; }

}  // namespace mantsim
