// The C boundary: every entry point converts SystemC reports and C++ exceptions into a status
// code plus a message, so nothing thrown inside the kernel ever unwinds into Swift.
#include "mantsim_rtl.h"

#include <systemc>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <exception>
#include <memory>
#include <string>

#include "common/job.hpp"
#include "control/accelerator.hpp"
#include "common/counters.hpp"
#include "control/heartbeat.hpp"
#include "kv/kv_engine.hpp"
#include "api/native_gemm.hpp"
#include "kinds/pe_kind.hpp"
#include "memory/dram_banks.hpp"

#ifdef MANTSIM_SANITIZED
#include <sanitizer/asan_interface.h>
#endif

namespace {
// Runs the SystemC kernel. Its processes are coroutines on stacks of their own, which switch
// without telling AddressSanitizer (Debian's libsystemc has no fiber annotations, and ASan then
// declines __asan_handle_no_return); under ASan the 1 MiB of stack below this frame, which only
// frames the kernel has left use, is unpoisoned afterwards, so that scopes a switch left marked
// are not reported later as use-after-scope by the caller's next calls.
template <typename... Arguments>
void run_kernel(Arguments... arguments) {
    sc_core::sc_start(arguments...);
#ifdef MANTSIM_SANITIZED
    char *frame = static_cast<char *>(__builtin_frame_address(0));
    const size_t span = size_t(1) << 20;
    __asan_unpoison_memory_region(frame - span, span);
#endif
}
}  // namespace

namespace {

using mantsim::CounterArray;

struct Top : sc_core::sc_module {
    sc_core::sc_clock clock;
    mantsim::Heartbeat heartbeat;
    mantsim::Accelerator accelerator;
    mantsim::KVEngine kv_engine;

    Top(sc_core::sc_module_name name, const sc_core::sc_time &period)
        : sc_core::sc_module(name), clock("clock", period), heartbeat("heartbeat"), accelerator("accelerator"),
          kv_engine("kv_engine") {
        heartbeat.clk(clock);
        accelerator.clk(clock);
        kv_engine.clk(clock);
    }

    void reset() { heartbeat.reset(); }

    // One walk over the blocks collects every counter.
    CounterArray counters() const {
        CounterArray values{};
        heartbeat.report(values);
        accelerator.report(values);
        kv_engine.report(values);
        return values;
    }
};

// SystemC elaborates one module tree per process; every handle drives this one.
struct Kernel {
    std::unique_ptr<Top> top;
    uint64_t period_ps = 0;
};

Kernel &kernel() {
    static Kernel instance;
    return instance;
}

// The message of a failure with no handle: a failed create, or a native GEMM.
std::string &detached_error() {
    static std::string message;
    return message;
}

template <typename Body>
int guarded(std::string &error, Body &&body) {
    try {
        error.clear();
        return body();
    } catch (const std::invalid_argument &invalid) {
        error = invalid.what();
        return MANTSIM_E_INVALID_ARGUMENT;
    } catch (const sc_core::sc_report &report) {
        error = std::string("SystemC: ") + report.what();
        return MANTSIM_E_SYSTEMC;
    } catch (const std::exception &exception) {
        error = std::string("internal: ") + exception.what();
        return MANTSIM_E_INTERNAL;
    } catch (...) {
        error = "internal: unknown exception";
        return MANTSIM_E_INTERNAL;
    }
}

void configure_reports() {
    // Errors must come back as exceptions we catch, not as output or an abort.
    using sc_core::sc_report_handler;
    sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_THROW);
    sc_report_handler::set_actions(sc_core::SC_FATAL, sc_core::SC_THROW);
    sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
}

}  // namespace

struct mantsim_rtl {
    std::string error;
};

extern "C" {

mantsim_rtl_config mantsim_rtl_config_default(void) {
    mantsim_rtl_config config;
    config.clock_period_ps = 2000;  // 500 MHz, the clock of the ANT simulator's arrays.
    return config;
}

int mantsim_rtl_create(const mantsim_rtl_config *config, mantsim_rtl **out) {
    if (out == nullptr) {
        detached_error() = "create: out must not be NULL";
        return MANTSIM_E_INVALID_ARGUMENT;
    }
    *out = nullptr;
    return guarded(detached_error(), [&]() -> int {
        const mantsim_rtl_config chosen = config ? *config : mantsim_rtl_config_default();
        if (chosen.clock_period_ps == 0) {
            detached_error() = "config.clock_period_ps: must be greater than 0";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        Kernel &state = kernel();
        if (!state.top) {
            setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
            configure_reports();
            state.period_ps = chosen.clock_period_ps;
            state.top = std::make_unique<Top>(
                "mantsim", sc_core::sc_time(static_cast<double>(chosen.clock_period_ps), sc_core::SC_PS));
            state.top->accelerator.set_clock_period(chosen.clock_period_ps);
        } else if (state.period_ps != chosen.clock_period_ps) {
            detached_error() = "config.clock_period_ps: this process already elaborated the model with " +
                             std::to_string(state.period_ps) + " ps; SystemC cannot re-elaborate";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        state.top->reset();
        *out = new mantsim_rtl();
        return MANTSIM_OK;
    });
}

void mantsim_rtl_free(mantsim_rtl *handle) { delete handle; }

int mantsim_rtl_run_cycles(mantsim_rtl *handle, uint64_t cycles) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> int {
        const Kernel &state = kernel();
        const double span = static_cast<double>(cycles) * static_cast<double>(state.period_ps);
        run_kernel(sc_core::sc_time(span, sc_core::SC_PS));
        return MANTSIM_OK;
    });
}

int mantsim_rtl_read_counters(const mantsim_rtl *handle, uint64_t *values, size_t count) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    auto *mutable_handle = const_cast<mantsim_rtl *>(handle);
    return guarded(mutable_handle->error, [&]() -> int {
        if (values == nullptr || count != MANTSIM_COUNTER_COUNT) {
            mutable_handle->error = "read_counters: expected room for " + std::to_string(MANTSIM_COUNTER_COUNT) + " counters, got " +
                                    std::to_string(values == nullptr ? 0 : count);
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        const mantsim::CounterArray counters = kernel().top->counters();
        std::copy(counters.begin(), counters.end(), values);
        return MANTSIM_OK;
    });
}

const char *mantsim_rtl_counter_name(int counter) { return mantsim::counter_name(counter); }

int mantsim_rtl_set_trace(mantsim_rtl *handle, const char *vcd_path, uint32_t pe_row) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> int {
        kernel().top->accelerator.set_trace(vcd_path ? vcd_path : "", pe_row);
        return MANTSIM_OK;
    });
}

int mantsim_rtl_run_gemm(mantsim_rtl *handle, const mantsim_array_config *config, const mantsim_gemm_job *job,
                         mantsim_gemm_result *result) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> int {
        if (config == nullptr || job == nullptr) {
            handle->error = "run_gemm: config and job must not be NULL";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        mantsim::Accelerator &accelerator = kernel().top->accelerator;
        accelerator.prepare(mantsim::array_spec(*config), mantsim::gemm_job(*job, config->pe_type));
        kernel().top->kv_engine.clear_counters();
        accelerator.start();
        run_kernel();
        if (accelerator.timed_out()) {
            handle->error = "run_gemm: the job exceeded its cycle budget (a model error); results discarded";
            return MANTSIM_E_INTERNAL;
        }
        if (!accelerator.finished()) {
            handle->error = "run_gemm: the simulation stopped before the job finished";
            return MANTSIM_E_INTERNAL;
        }
        if (!accelerator.trace_written()) {
            handle->error = "vcd: the trace could not be written in full (no space left, or the file was removed); it was deleted";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        // The job paused the kernel at a clock edge; finish that half cycle so later runs start
        // between edges, as a fresh kernel does.
        run_kernel(sc_core::sc_time(static_cast<double>(kernel().period_ps) / 2, sc_core::SC_PS));
        const std::vector<float> &output = accelerator.output();
        if (job->output != nullptr && job->fidelity == MANTSIM_FIDELITY_CYCLE) std::copy(output.begin(), output.end(), job->output);
        if (result != nullptr) *result = accelerator.result();
        return MANTSIM_OK;
    });
}

int mantsim_rtl_plan_gemm(mantsim_rtl *handle, const mantsim_array_config *config, const mantsim_gemm_job *job,
                          mantsim_gemm_result *result) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> int {
        if (config == nullptr || job == nullptr || result == nullptr) {
            handle->error = "plan_gemm: config, job and result must not be NULL";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        mantsim::Accelerator &accelerator = kernel().top->accelerator;
        accelerator.plan(mantsim::array_spec(*config), mantsim::gemm_job(*job, config->pe_type));
        *result = accelerator.result();
        return MANTSIM_OK;
    });
}

int mantsim_rtl_run_kv(mantsim_rtl *handle, const mantsim_kv_config *config, const mantsim_kv_job *job, mantsim_kv_result *result) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> int {
        if (config == nullptr || job == nullptr) {
            handle->error = "run_kv: config and job must not be NULL";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        Top &top = *kernel().top;
        top.kv_engine.prepare(*config, *job, kernel().period_ps);
        top.accelerator.clear_counters();
        top.kv_engine.start();
        run_kernel();
        if (!top.kv_engine.finished()) {
            handle->error = "run_kv: the simulation stopped before the job finished";
            return MANTSIM_E_INTERNAL;
        }
        // Finish the half cycle the engine paused in, as run_gemm does.
        run_kernel(sc_core::sc_time(static_cast<double>(kernel().period_ps) / 2, sc_core::SC_PS));
        if (result != nullptr) *result = top.kv_engine.result();
        return MANTSIM_OK;
    });
}

int mantsim_rtl_check_reports(mantsim_rtl *handle) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    const int status = guarded(handle->error, []() -> int {
        SC_REPORT_ERROR("/mantsim/check", "deliberate error report");
        return MANTSIM_OK;
    });
    if (status == MANTSIM_E_SYSTEMC) return MANTSIM_OK;
    handle->error = "check_reports: a SystemC error report was not caught as an exception";
    return MANTSIM_E_INTERNAL;
}

int mantsim_pe_kind(int32_t pe_type, uint32_t weight_bits, uint32_t activation_bits, mantsim_pe_kind_info *out) {
    return guarded(detached_error(), [&]() -> int {
        if (out == nullptr) throw std::invalid_argument("pe_kind: out must not be NULL");
        const mantsim::PEKind &kind = mantsim::pe_kind(pe_type);
        const bool narrow = activation_bits <= 4;
        *out = {kind.name, kind.float_datapath, kind.shift_lane, kind.group_metadata, kind.mac_counter(weight_bits, narrow),
                kind.products_per_cycle ? kind.products_per_cycle(weight_bits, narrow) : 1u};
        return MANTSIM_OK;
    });
}

int mantsim_native_gemm(const mantsim_array_config *config, const mantsim_gemm_job *job) {
    return guarded(detached_error(), [&]() -> int {
        if (config == nullptr || job == nullptr) throw std::invalid_argument("native_gemm: config and job must not be NULL");
        const mantsim::ArraySpec spec = mantsim::array_spec(*config);
        const mantsim::GemmJob gemm = mantsim::gemm_job(*job, config->pe_type);
        mantsim::native_gemm(spec, gemm);
        return MANTSIM_OK;
    });
}

int mantsim_dram_timing_run(const mantsim_dram_timing *timing, const uint64_t *addresses, const uint64_t *bytes, size_t count,
                            uint64_t *finish_ps) {
    return guarded(detached_error(), [&]() -> int {
        if (timing == nullptr || (count > 0 && (addresses == nullptr || bytes == nullptr || finish_ps == nullptr))) {
            throw std::invalid_argument("dram_timing_run: timing, addresses, bytes and finish_ps must not be NULL");
        }
        mantsim::check_dram_timing(*timing);
        mantsim::DramBanks banks;
        banks.reset(*timing);
        for (size_t i = 0; i < count; ++i) finish_ps[i] = banks.transfer(addresses[i], bytes[i], 0);
        return MANTSIM_OK;
    });
}

int mantsim_dram_timing_activity(const mantsim_dram_timing *timing, const uint64_t *addresses, const uint64_t *bytes,
                                 const uint8_t *writes, size_t count, uint64_t end_ps, uint64_t *finish_ps,
                                 mantsim_dram_activity *activity) {
    return guarded(detached_error(), [&]() -> int {
        if (timing == nullptr || activity == nullptr || (count > 0 && (addresses == nullptr || bytes == nullptr || finish_ps == nullptr))) {
            throw std::invalid_argument("dram_timing_activity: timing, activity, addresses, bytes and finish_ps must not be NULL");
        }
        mantsim::check_dram_timing(*timing);
        mantsim::DramBanks banks;
        banks.reset(*timing);
        uint64_t last = 0;
        for (size_t i = 0; i < count; ++i) {
            finish_ps[i] = banks.transfer(addresses[i], bytes[i], 0, writes != nullptr && writes[i] != 0);
            last = std::max(last, finish_ps[i]);
        }
        *activity = banks.activity(end_ps == 0 ? last : end_ps);
        return MANTSIM_OK;
    });
}

const char *mantsim_rtl_last_error(const mantsim_rtl *handle) {
    return handle ? handle->error.c_str() : detached_error().c_str();
}

}  // extern "C"
