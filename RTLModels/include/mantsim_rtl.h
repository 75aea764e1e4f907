/*
 * MantSim RTL model: the only interface Swift sees of the SystemC accelerator.
 *
 * Conventions: opaque handles, plain-data structs with a `_default()` constructor, create/free
 * pairs, an `int` status (MANTSIM_OK or an error code) and `mantsim_rtl_last_error()` for the
 * message. No C++ exception and no SystemC report crosses this boundary.
 *
 * SystemC elaborates once per process and cannot be restarted, so the module tree behind every
 * handle is the same one; a new handle resets it. Use one handle at a time.
 */
#ifndef MANTSIM_RTL_H
#define MANTSIM_RTL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    MANTSIM_OK = 0,
    MANTSIM_E_INVALID_ARGUMENT = 1,
    MANTSIM_E_SYSTEMC = 2,
    MANTSIM_E_INTERNAL = 3,
};

/* Counters every block reports, indexed by this enum. Names come from mantsim_rtl_counter_name. */
typedef enum {
    MANTSIM_COUNTER_HEARTBEAT_CYCLES = 0,
    MANTSIM_COUNTER_HEARTBEAT_RESETS = 1,
    MANTSIM_COUNTER_COUNT
} mantsim_counter;

typedef struct {
    /* Clock period of the model in picoseconds. Fixed by the first handle of a process. */
    uint64_t clock_period_ps;
} mantsim_rtl_config;

typedef struct mantsim_rtl mantsim_rtl;

mantsim_rtl_config mantsim_rtl_config_default(void);

/* Creates (first call: elaborates) the model and resets it. *out is NULL on failure; the message
 * of a failed create is available from mantsim_rtl_last_error(NULL). */
int mantsim_rtl_create(const mantsim_rtl_config *config, mantsim_rtl **out);
void mantsim_rtl_free(mantsim_rtl *handle);

/* Advances simulated time by `cycles` clock cycles. */
int mantsim_rtl_run_cycles(mantsim_rtl *handle, uint64_t cycles);

/* Reads one counter since the last reset. */
int mantsim_rtl_read_counter(const mantsim_rtl *handle, int counter, uint64_t *value);

/* Stable name of a counter, or NULL for an index out of range. */
const char *mantsim_rtl_counter_name(int counter);

/* Raises a SystemC error report inside the kernel; proves that reports become status codes. */
int mantsim_rtl_raise_test_report(mantsim_rtl *handle);

/* Message of the last failure on this handle (or of the last failed create when NULL). */
const char *mantsim_rtl_last_error(const mantsim_rtl *handle);

#ifdef __cplusplus
}
#endif

#endif
