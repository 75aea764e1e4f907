// The C boundary: every entry point converts SystemC reports and C++ exceptions into a status
// code plus a message, so nothing thrown inside the kernel ever unwinds into Swift.
#include "mantsim_rtl.h"
#include "mantsim_rtl_testing.h"

#include <systemc>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <exception>
#include <memory>
#include <string>

#include "api/job.hpp"
#include "control/accelerator.hpp"
#include "common/counters.hpp"
#include "common/limits.hpp"
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

// SystemC elaborates one module tree per process; the one live handle drives it.
struct Kernel {
    std::unique_ptr<Top> top;
    uint64_t period_ps = 0;
    bool owned = false;
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
mantsim_status guarded(std::string &error, Body &&body) {
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

mantsim_array_config mantsim_array_config_default(void) {
    // The ANT simulator's array (clevercool/ANT-Quantization, ant_simulator): 32 x 32 PEs, WBUF
    // 128 KB, ABUF 256 KB, OBUF 128 KB in 32 banks each, a 1024-bit/cycle DRAM interface. This
    // model's choices: bank widths that never bind a 32 x 32 array (one INT8 activation per row,
    // a weight tile in well under a tile's cycles, one FP32 sum and one INT32 carry per column),
    // 100 cycles of DRAM latency, a weight link of one INT8 row per cycle (columns x 8 bits), two
    // weight sets, and a VQ decoder of 512 KiB (four sets of AQLM-3 <8,12,2> codebooks, 2 stages
    // x 4096 entries x 8 FP16 = 128 KiB each), 16 banks, no hot-entry store (4 ports when there is
    // one) and 16 lookups per cycle.
    mantsim_array_config config{};
    config.rows = 32;
    config.columns = 32;
    config.pe_type = MANTSIM_PE_INT;
    config.weight_buffer = {128 * 1024, 32, 32};
    config.activation_buffer = {256 * 1024, 32, 16};
    config.output_buffer = {128 * 1024, 32, 128};
    config.dram.bits_per_cycle = 1024;
    config.dram.latency_cycles = 100;
    config.weight_link_bits = 32 * 8;
    config.weight_sets = 2;
    config.timing = MANTSIM_TIMING_PIPELINED;
    config.mapping = MANTSIM_MAPPING_SEARCHED;
    config.lut_scale = MANTSIM_LUT_SCALE_DECODER;
    config.vq = {512 * 1024, 16, 0, 4, 16};
    return config;
}

mantsim_array_limits mantsim_array_limits_get(void) { return mantsim::kArrayLimits; }

mantsim_gemm_job mantsim_gemm_job_default(void) {
    mantsim_gemm_job job{};
    job.dataflow = MANTSIM_DATAFLOW_WEIGHT_STATIONARY;
    job.fidelity = MANTSIM_FIDELITY_CYCLE;
    job.vq.scope = MANTSIM_VQ_SCOPE_TENSOR;
    job.vq.axis = MANTSIM_VQ_AXIS_REDUCTION;
    return job;
}

mantsim_kv_config mantsim_kv_config_default(void) {
    // Head dimension 128; M-ANT's group of 64 for K, one V group of 64 tokens per window. This
    // model's choices: 8 FP32 lanes, 4 cycles of latency, the array's 1024-bit DRAM interface.
    mantsim_kv_config config{};
    config.head_dim = 128;
    config.key_group = 64;
    config.window = 64;
    config.window_capacity = 64;
    config.lanes = 8;
    config.latency_cycles = 4;
    config.dram_bits_per_cycle = 1024;
    return config;
}

mantsim_status mantsim_rtl_create(const mantsim_rtl_config *config, mantsim_rtl **out) {
    if (out == nullptr) {
        detached_error() = "create: out must not be NULL";
        return MANTSIM_E_INVALID_ARGUMENT;
    }
    *out = nullptr;
    return guarded(detached_error(), [&]() -> mantsim_status {
        const mantsim_rtl_config chosen = config ? *config : mantsim_rtl_config_default();
        if (chosen.clock_period_ps == 0) {
            detached_error() = "config.clock_period_ps: must be greater than 0";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        Kernel &state = kernel();
        if (state.owned) {
            detached_error() = "create: another handle owns the model (SystemC elaborates one module tree per process); free it first";
            return MANTSIM_E_BUSY;
        }
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
        state.owned = true;
        return MANTSIM_OK;
    });
}

void mantsim_rtl_free(mantsim_rtl *handle) {
    if (handle == nullptr) return;
    kernel().owned = false;
    delete handle;
}

mantsim_status mantsim_rtl_reset(mantsim_rtl *handle) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> mantsim_status {
        kernel().top->reset();
        return MANTSIM_OK;
    });
}

mantsim_status mantsim_rtl_run_cycles(mantsim_rtl *handle, uint64_t cycles) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> mantsim_status {
        const Kernel &state = kernel();
        const double span = static_cast<double>(cycles) * static_cast<double>(state.period_ps);
        run_kernel(sc_core::sc_time(span, sc_core::SC_PS));
        return MANTSIM_OK;
    });
}

mantsim_status mantsim_rtl_read_counters(const mantsim_rtl *handle, uint64_t *values, size_t count) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    auto *mutable_handle = const_cast<mantsim_rtl *>(handle);
    return guarded(mutable_handle->error, [&]() -> mantsim_status {
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

const char *mantsim_rtl_counter_name(mantsim_counter counter) { return mantsim::counter_name(counter); }

mantsim_status mantsim_rtl_set_trace(mantsim_rtl *handle, const char *vcd_path, uint32_t pe_row) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> mantsim_status {
        kernel().top->accelerator.set_trace(vcd_path ? vcd_path : "", pe_row);
        return MANTSIM_OK;
    });
}

mantsim_status mantsim_rtl_run_gemm(mantsim_rtl *handle, const mantsim_array_config *config, const mantsim_gemm_job *job,
                         mantsim_gemm_result *result) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> mantsim_status {
        if (config == nullptr || job == nullptr) {
            handle->error = "run_gemm: config and job must not be NULL";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        mantsim::Accelerator &accelerator = kernel().top->accelerator;
        const mantsim::GemmJob gemm = mantsim::gemm_job(*job, mantsim::pe_type(*config));
        accelerator.prepare(mantsim::array_spec(*config), gemm);
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
        if (job->output != nullptr && gemm.fidelity == MANTSIM_FIDELITY_CYCLE) std::copy(output.begin(), output.end(), job->output);
        if (result != nullptr) *result = mantsim::gemm_result(accelerator.result());
        return MANTSIM_OK;
    });
}

mantsim_status mantsim_rtl_plan_gemm(mantsim_rtl *handle, const mantsim_array_config *config, const mantsim_gemm_job *job,
                          mantsim_gemm_result *result) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> mantsim_status {
        if (config == nullptr || job == nullptr || result == nullptr) {
            handle->error = "plan_gemm: config, job and result must not be NULL";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        mantsim::Accelerator &accelerator = kernel().top->accelerator;
        accelerator.plan(mantsim::array_spec(*config), mantsim::gemm_job(*job, mantsim::pe_type(*config)));
        *result = mantsim::gemm_result(accelerator.result());
        return MANTSIM_OK;
    });
}

mantsim_status mantsim_rtl_run_kv(mantsim_rtl *handle, const mantsim_kv_config *config, const mantsim_kv_job *job, mantsim_kv_result *result) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    return guarded(handle->error, [&]() -> mantsim_status {
        if (config == nullptr || job == nullptr) {
            handle->error = "run_kv: config and job must not be NULL";
            return MANTSIM_E_INVALID_ARGUMENT;
        }
        Top &top = *kernel().top;
        top.kv_engine.prepare(mantsim::kv_config(*config), mantsim::kv_job(*job), kernel().period_ps);
        top.accelerator.clear_counters();
        top.kv_engine.start();
        run_kernel();
        if (!top.kv_engine.finished()) {
            handle->error = "run_kv: the simulation stopped before the job finished";
            return MANTSIM_E_INTERNAL;
        }
        // Finish the half cycle the engine paused in, as run_gemm does.
        run_kernel(sc_core::sc_time(static_cast<double>(kernel().period_ps) / 2, sc_core::SC_PS));
        if (result != nullptr) *result = mantsim::kv_result(top.kv_engine.result());
        return MANTSIM_OK;
    });
}

mantsim_status mantsim_rtl_check_reports(mantsim_rtl *handle) {
    if (handle == nullptr) return MANTSIM_E_INVALID_ARGUMENT;
    const mantsim_status status = guarded(handle->error, []() -> mantsim_status {
        SC_REPORT_ERROR("/mantsim/check", "deliberate error report");
        return MANTSIM_OK;
    });
    if (status == MANTSIM_E_SYSTEMC) return MANTSIM_OK;
    handle->error = "check_reports: a SystemC error report was not caught as an exception";
    return MANTSIM_E_INTERNAL;
}

uint32_t mantsim_pe_type_count(void) { return static_cast<uint32_t>(mantsim::pe_kind_count()); }

mantsim_status mantsim_pe_kind(mantsim_pe_type pe_type, uint32_t weight_bits, uint32_t activation_bits, mantsim_pe_kind_info *out) {
    return guarded(detached_error(), [&]() -> mantsim_status {
        if (out == nullptr) throw std::invalid_argument("pe_kind: out must not be NULL");
        const mantsim::PEKind &kind = mantsim::pe_kind(pe_type);
        const bool narrow = activation_bits <= 4;
        *out = {kind.name, kind.float_datapath, kind.shift_lane, kind.group_metadata,
                static_cast<mantsim_counter>(kind.mac_counter(weight_bits, narrow)),
                kind.products_per_cycle ? kind.products_per_cycle(weight_bits, narrow) : 1u};
        return MANTSIM_OK;
    });
}

mantsim_status mantsim_native_gemm(const mantsim_array_config *config, const mantsim_gemm_job *job) {
    return guarded(detached_error(), [&]() -> mantsim_status {
        if (config == nullptr || job == nullptr) throw std::invalid_argument("native_gemm: config and job must not be NULL");
        const mantsim::ArraySpec spec = mantsim::array_spec(*config);
        const mantsim::GemmJob gemm = mantsim::gemm_job(*job, mantsim::pe_type(*config));
        mantsim::native_gemm(spec, gemm);
        return MANTSIM_OK;
    });
}

mantsim_status mantsim_dram_timing_activity(const mantsim_dram_timing *timing, const uint64_t *addresses, const uint64_t *bytes,
                                 const uint8_t *writes, size_t count, uint64_t end_ps, uint64_t *finish_ps,
                                 mantsim_dram_activity *activity) {
    return guarded(detached_error(), [&]() -> mantsim_status {
        if (timing == nullptr || activity == nullptr || (count > 0 && (addresses == nullptr || bytes == nullptr || finish_ps == nullptr))) {
            throw std::invalid_argument("dram_timing_activity: timing, activity, addresses, bytes and finish_ps must not be NULL");
        }
        const mantsim::DramTiming parts = mantsim::dram_timing(*timing);
        mantsim::check_dram_timing(parts);
        mantsim::DramBanks banks;
        banks.reset(parts);
        uint64_t last = 0;
        for (size_t i = 0; i < count; ++i) {
            finish_ps[i] = banks.transfer(addresses[i], bytes[i], 0, writes != nullptr && writes[i] != 0);
            last = std::max(last, finish_ps[i]);
        }
        *activity = mantsim::dram_activity(banks.activity(end_ps == 0 ? last : end_ps));
        return MANTSIM_OK;
    });
}

const char *mantsim_rtl_last_error(const mantsim_rtl *handle) {
    return handle ? handle->error.c_str() : detached_error().c_str();
}

}  // extern "C"
