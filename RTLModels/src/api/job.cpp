// The boundary's conversions from the C structs of mantsim_rtl.h (common/job.hpp): each PE kind's
// own parameters are read from the union member of that kind only.
#include "common/job.hpp"

namespace mantsim {

ArraySpec array_spec(const mantsim_array_config &config) {
    ArraySpec spec;
    spec.rows = config.rows;
    spec.columns = config.columns;
    spec.pe_type = config.pe_type;
    spec.weight_buffer_bytes = config.weight_buffer_bytes;
    spec.activation_buffer_bytes = config.activation_buffer_bytes;
    spec.output_buffer_bytes = config.output_buffer_bytes;
    spec.weight_buffer_banks = config.weight_buffer_banks;
    spec.weight_buffer_bank_bits = config.weight_buffer_bank_bits;
    spec.activation_buffer_banks = config.activation_buffer_banks;
    spec.activation_buffer_bank_bits = config.activation_buffer_bank_bits;
    spec.output_buffer_banks = config.output_buffer_banks;
    spec.output_buffer_bank_bits = config.output_buffer_bank_bits;
    spec.dram_bits_per_cycle = config.dram_bits_per_cycle;
    spec.dram_latency_cycles = config.dram_latency_cycles;
    spec.dram_timing = config.dram_timing;
    spec.weight_link_bits = config.weight_link_bits;
    spec.weight_sets = config.weight_sets;
    spec.timing = config.timing;
    spec.mapping = config.mapping;
    if (config.pe_type == MANTSIM_PE_LUT) spec.lut.scale = config.decoder.lut.scale;
    if (config.pe_type == MANTSIM_PE_VQ) {
        const mantsim_vq_decoder_params &vq = config.decoder.vq;
        spec.vq = {vq.codebook_bytes, vq.codebook_banks, vq.hot_entries, vq.hot_ports, vq.lanes};
    }
    return spec;
}

GemmJob gemm_job(const mantsim_gemm_job &job, int32_t pe_type) {
    GemmJob out;
    out.m = job.m;
    out.k = job.k;
    out.n = job.n;
    out.dataflow = job.dataflow;
    out.group_size = job.group_size;
    out.weight_bits = job.weight_bits;
    out.metadata_bits = job.metadata_bits;
    out.activation_bits = job.activation_bits;
    out.weight_codes = job.weight_codes;
    out.group_scales = job.group_scales;
    out.group_selectors = job.group_selectors;
    out.activations = job.activations;
    out.activation_fp16 = job.activation_fp16;
    out.activation_scales = job.activation_scales;
    out.output = job.output;
    out.fidelity = job.fidelity;
    out.weight_row_period = job.weight_row_period;
    if (pe_type == MANTSIM_PE_LUT || pe_type == MANTSIM_PE_VQ) {
        out.payload = job.decoder_payload;
        out.payload_values = job.decoder_payload_values;
    }
    if (pe_type == MANTSIM_PE_VQ) {
        const mantsim_vq_layout &vq = job.layout.vq;
        out.vq = {vq.vector_length, vq.stages, vq.scope, vq.scope_size, vq.axis};
    }
    return out;
}

}  // namespace mantsim
