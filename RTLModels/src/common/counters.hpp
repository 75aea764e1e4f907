// Counter names, from the rows of MANTSIM_COUNTERS (mantsim_rtl.h) that also make the enum.
#pragma once

#include <cstddef>

// Stack of the model's SC_THREADs (SystemC coroutines): the default, or 16 MiB under
// AddressSanitizer, whose instrumented frames outgrow SystemC's default coroutine stack.
#if defined(__SANITIZE_ADDRESS__)
#define MANTSIM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MANTSIM_SANITIZED 1
#endif
#endif
namespace mantsim {
#ifdef MANTSIM_SANITIZED
constexpr std::size_t kThreadStackBytes = std::size_t(16) << 20;
#else
constexpr std::size_t kThreadStackBytes = 0;
#endif
}  // namespace mantsim

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
