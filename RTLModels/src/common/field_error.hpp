// The exception every check throws: "field: what is expected", which the C API returns as the
// message of MANTSIM_E_INVALID_ARGUMENT.
#pragma once

#include <stdexcept>
#include <string>

namespace mantsim {

inline std::invalid_argument field_error(const std::string &field, const std::string &message) {
    return std::invalid_argument(field + ": " + message);
}

}  // namespace mantsim
