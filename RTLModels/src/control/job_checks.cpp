// What the controller accepts before it runs anything: the array against the model's limits, the
// job's operands against the array, and the array as the model steps it for the job.
#include "control/job_checks.hpp"
#include "common/field_error.hpp"
#include "common/limits.hpp"
#include "kinds/pe_kind.hpp"
#include "memory/dram_banks.hpp"

#include <string>

namespace mantsim {

// The array's own fields against kArrayLimits; throws std::invalid_argument naming the field at fault.
void check_array(const ArraySpec &config) {
    const mantsim_array_limits &limits = kArrayLimits;
    const auto range = [](uint64_t low, uint64_t high) { return std::to_string(low) + ".." + std::to_string(high); };
    if (config.rows < limits.min_side || config.columns < limits.min_side || config.rows > limits.max_side || config.columns > limits.max_side) {
        throw field_error("array.rows/columns", "expected " + range(limits.min_side, limits.max_side) + " PEs per side, got " +
                                                    std::to_string(config.rows) + " x " + std::to_string(config.columns));
    }
    if (config.pe_type < 0 || config.pe_type >= pe_kind_count()) {
        throw field_error("array.pe_type", "unknown PE type " + std::to_string(config.pe_type));
    }
    if (config.lut.scale != MANTSIM_LUT_SCALE_DECODER && config.lut.scale != MANTSIM_LUT_SCALE_SAC) {
        throw field_error("decoder.scale", "expected decoder or sac, got code " + std::to_string(config.lut.scale));
    }
    if (config.dram_bits_per_cycle == 0 || config.dram_bits_per_cycle > limits.max_dram_bits_per_cycle) {
        throw field_error("dram.bits_per_cycle", "expected " + range(1, limits.max_dram_bits_per_cycle));
    }
    if (config.dram_latency_cycles > limits.max_dram_latency_cycles) {
        throw field_error("dram.latency_cycles", "expected " + range(0, limits.max_dram_latency_cycles) + ", got " + std::to_string(config.dram_latency_cycles));
    }
    if (config.weight_link_bits > limits.max_weight_link_bits) throw field_error("array.weight_link_bits", "expected at most " + std::to_string(limits.max_weight_link_bits));
    if (config.dram_timing.channels > 0) check_dram_timing(config.dram_timing);
    if (config.weight_link_bits == 0) throw field_error("array.weight_link_bits", "must be positive (bits per cycle into the array)");
    if (config.weight_sets < limits.min_weight_sets || config.weight_sets > limits.max_weight_sets) {
        throw field_error("array.weight_sets", "expected " + range(limits.min_weight_sets, limits.max_weight_sets) + " weight registers per PE, got " +
                                                   std::to_string(config.weight_sets));
    }
    if (config.timing != MANTSIM_TIMING_PIPELINED && config.timing != MANTSIM_TIMING_SERIAL) {
        throw field_error("array.timing", "expected pipelined or serial, got code " + std::to_string(config.timing));
    }
    if (config.mapping != MANTSIM_MAPPING_SEARCHED && config.mapping != MANTSIM_MAPPING_FIXED) {
        throw field_error("array.mapping", "expected searched or fixed, got code " + std::to_string(config.mapping));
    }
    const uint32_t ports[3][2] = {{config.weight_buffer_banks, config.weight_buffer_bank_bits},
                                  {config.activation_buffer_banks, config.activation_buffer_bank_bits},
                                  {config.output_buffer_banks, config.output_buffer_bank_bits}};
    const char *const port_names[3] = {"buffers.weight", "buffers.activation", "buffers.output"};
    const uint64_t bytes[3] = {config.weight_buffer_bytes, config.activation_buffer_bytes, config.output_buffer_bytes};
    for (int port = 0; port < 3; ++port) {
        if (bytes[port] > limits.max_buffer_bytes) {
            throw field_error(std::string(port_names[port]) + "_bytes", "at most " + std::to_string(limits.max_buffer_bytes) + " (1 GiB), got " +
                                                                          std::to_string(bytes[port]));
        }
    }
    for (int port = 0; port < 3; ++port) {
        if (ports[port][0] == 0 || ports[port][1] == 0 || ports[port][0] > limits.max_buffer_banks || ports[port][1] > limits.max_bank_bits) {
            throw field_error(std::string(port_names[port]) + "_banks/_bank_bits", "a buffer port needs " + range(1, limits.max_buffer_banks) +
                                                                                       " banks of " + range(1, limits.max_bank_bits) + " bits");
        }
    }
}

// The array as the model steps it for this job. FP16 weights on an FP16-datapath array with a
// decoder (LUT, VQ) bypass the decoder: the array runs as FP16 PEs. A precision-scalable PE making
// r products a cycle is r consecutive rows of its column (the r products are r consecutive
// reduction steps summed in the PE), so the model runs r x rows. Every other array as declared.
ArraySpec stepped_array(const ArraySpec &declared, const GemmJob &job) {
    const PEKind &kind = pe_kind(declared.pe_type);
    ArraySpec stepped = declared;
    if (job.weights_fp16) {
        if (!kind.float_datapath) throw field_error("job.weights_fp16", std::string("the ") + kind.name + " array has no FP16 datapath");
        stepped.pe_type = MANTSIM_PE_FP16;
    }
    if (kind.products_per_cycle != nullptr) stepped.rows *= kind.products_per_cycle(job.weight_bits, job.activation_bits <= 4);
    return stepped;
}

// The job's operands against the array that runs them.
void check_job(const ArraySpec &config, const GemmJob &job) {
    if (job.m == 0 || job.k == 0 || job.n == 0) throw field_error("job", "M, K and N must be positive");
    if (job.dataflow != MANTSIM_DATAFLOW_WEIGHT_STATIONARY && job.dataflow != MANTSIM_DATAFLOW_OUTPUT_STATIONARY) {
        throw field_error("job.dataflow", "expected weight-stationary or output-stationary");
    }
    if (job.fidelity != MANTSIM_FIDELITY_CYCLE && job.fidelity != MANTSIM_FIDELITY_FAST) {
        throw field_error("job.fidelity", "expected cycle or fast");
    }
    if (job.weight_codes == nullptr) throw field_error("job.weight_codes", "required");
    if (job.output == nullptr && job.fidelity == MANTSIM_FIDELITY_CYCLE) throw field_error("job.output", "required in cycle fidelity");
    const PEKind &kind = pe_kind(config.pe_type);
    if (job.group_size == 0) throw field_error("job.group_size", "must be positive");
    if (kind.selectors && job.group_selectors == nullptr) throw field_error("job.group_selectors", "required by this PE type");
    if (kind.float_datapath) {
        if (job.activation_fp16 == nullptr) throw field_error("job.activation_fp16", "required by FP16-datapath arrays");
        if (job.activation_bits != 16) throw field_error("job.activation_bits", "FP16-datapath arrays read 16-bit activations, got " + std::to_string(job.activation_bits));
    } else {
        if (job.activations == nullptr || job.activation_scales == nullptr) {
            throw field_error("job.activations", "integer arrays need integer activations and per-token scales");
        }
        if (job.activation_bits != 8 && job.activation_bits != 4) {
            throw field_error("job.activation_bits", "expected 8 or 4, got " + std::to_string(job.activation_bits));
        }
    }
    if (job.weight_bits == 0 || job.weight_bits > 16) throw field_error("job.weight_bits", "expected 1..16");
    if (job.weight_row_period > job.n) {
        throw field_error("job.weight_row_period", "expected 0..N (" + std::to_string(job.n) + "), got " + std::to_string(job.weight_row_period));
    }
}

}  // namespace mantsim
