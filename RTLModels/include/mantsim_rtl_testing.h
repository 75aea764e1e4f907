/*
 * MantSim RTL model: hooks for tests and benchmarks, apart from the interface of mantsim_rtl.h.
 */
#ifndef MANTSIM_RTL_TESTING_H
#define MANTSIM_RTL_TESTING_H

#include "mantsim_rtl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Advances simulated time by `cycles` clock cycles (the heartbeat counts them). */
mantsim_status mantsim_rtl_run_cycles(mantsim_rtl *handle, uint64_t cycles);

/* Raises a SystemC error report inside the kernel: MANTSIM_OK when it came back as a status, with
 * its message in mantsim_rtl_last_error(handle); MANTSIM_E_INTERNAL when it got through. */
mantsim_status mantsim_rtl_check_reports(mantsim_rtl *handle);

/* The GEMM as a plain loop without simulation (no handle, no SystemC): the yardstick the
 * benchmark measures the cycle-level model against. Writes job->output. */
mantsim_status mantsim_native_gemm(const mantsim_array_config *config, const mantsim_gemm_job *job);

#ifdef __cplusplus
}
#endif

#endif
