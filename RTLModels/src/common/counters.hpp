// Counter names, from the rows of MANTSIM_COUNTERS (mantsim_rtl.h) that also make the enum.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "mantsim_rtl.h"

namespace mantsim {

using CounterArray = std::array<uint64_t, MANTSIM_COUNTER_COUNT>;

inline const char *counter_name(int counter) {
    static const char *const names[MANTSIM_COUNTER_COUNT] = {
#define MANTSIM_COUNTER_NAME_ROW(id, name) name,
        MANTSIM_COUNTERS(MANTSIM_COUNTER_NAME_ROW)
#undef MANTSIM_COUNTER_NAME_ROW
    };
    return (counter >= 0 && counter < MANTSIM_COUNTER_COUNT) ? names[counter] : nullptr;
}

// Whether a counter counts valid MACs of some PE type: its name starts with pe.mac_.
inline bool is_mac_counter(int counter) {
    const char *name = counter_name(counter);
    return name != nullptr && std::strncmp(name, "pe.mac_", 7) == 0;
}

}  // namespace mantsim
