#include "api/job.hpp"

#include <cstring>

namespace mantsim {

// An enumeration field as the caller stored it: any 32-bit value, checked by the model, never
// loaded as an enumerator it may not be.
template <typename Enum>
int32_t raw(const Enum &field) {
    static_assert(sizeof(Enum) == sizeof(int32_t), "ABI enumerations are 32 bits wide");
    int32_t value;
    std::memcpy(&value, &field, sizeof value);
    return value;
}

int32_t pe_type(const mantsim_array_config &config) { return raw(config.pe_type); }

DramTiming dram_timing(const mantsim_dram_timing &t) {
    return DramTiming{t.channels, t.banks, t.bus_bits, t.burst_length, t.row_bytes, t.tck_ps, t.cl, t.trcd, t.trp, t.cycle_ps};
}

ArraySpec array_spec(const mantsim_array_config &config) {
    ArraySpec spec;
    spec.rows = config.rows;
    spec.columns = config.columns;
    spec.pe_type = raw(config.pe_type);
    spec.weight_buffer_bytes = config.weight_buffer.bytes;
    spec.activation_buffer_bytes = config.activation_buffer.bytes;
    spec.output_buffer_bytes = config.output_buffer.bytes;
    spec.weight_buffer_banks = config.weight_buffer.banks;
    spec.weight_buffer_bank_bits = config.weight_buffer.bank_bits;
    spec.activation_buffer_banks = config.activation_buffer.banks;
    spec.activation_buffer_bank_bits = config.activation_buffer.bank_bits;
    spec.output_buffer_banks = config.output_buffer.banks;
    spec.output_buffer_bank_bits = config.output_buffer.bank_bits;
    spec.dram_bits_per_cycle = config.dram.bits_per_cycle;
    spec.dram_latency_cycles = config.dram.latency_cycles;
    spec.dram_timing = dram_timing(config.dram.timing);
    spec.weight_link_bits = config.weight_link_bits;
    spec.weight_sets = config.weight_sets;
    spec.timing = raw(config.timing);
    spec.mapping = raw(config.mapping);
    if (spec.pe_type == MANTSIM_PE_LUT) spec.lut.scale = raw(config.lut_scale);
    if (spec.pe_type == MANTSIM_PE_VQ) {
        const mantsim_vq_decoder &vq = config.vq;
        spec.vq = {vq.codebook_bytes, vq.codebook_banks, vq.hot_entries, vq.hot_ports, vq.lanes};
    }
    return spec;
}

GemmJob gemm_job(const mantsim_gemm_job &job, int32_t pe_type) {
    GemmJob out;
    out.m = job.m;
    out.k = job.k;
    out.n = job.n;
    out.dataflow = raw(job.dataflow);
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
    out.fidelity = raw(job.fidelity);
    out.weights_fp16 = job.weights_fp16 != 0;
    out.weight_row_period = job.weight_row_period;
    out.payload = job.decoder_payload;
    out.payload_values = job.decoder_payload_values;
    if (pe_type == MANTSIM_PE_VQ) out.vq = {job.vq.vector_length, job.vq.stages, raw(job.vq.scope), job.vq.scope_size, raw(job.vq.axis)};
    return out;
}

KVConfig kv_config(const mantsim_kv_config &c) {
    return KVConfig{c.head_dim, c.key_group, c.window, c.window_capacity, c.lanes, c.latency_cycles, c.dram_bits_per_cycle, dram_timing(c.dram_timing)};
}

KVJob kv_job(const mantsim_kv_job &j) {
    return KVJob{j.tokens,      j.keys,         j.values,          j.key_codes,   j.key_scales,  j.key_selectors,
                 j.value_codes, j.value_scales, j.value_selectors, j.open_values, j.open_scales, j.mant_coefficients,
                 j.mant_coefficient_count};
}

mantsim_gemm_result gemm_result(const JobSummary &s) {
    mantsim_gemm_result out;
    out.total_cycles = s.total_cycles;
    out.compute_cycles = s.compute_cycles;
    out.stall_cycles = s.stall_cycles;
    out.m_tile = s.m_tile;
    out.n_block_columns = s.n_block_columns;
    out.k_chunk = s.k_chunk;
    out.weights_resident = s.weights_resident ? 1 : 0;
    out.compulsory_dram_bits = s.compulsory_dram_bits;
    return out;
}

mantsim_kv_result kv_result(const KVResult &r) { return mantsim_kv_result{r.total_cycles, r.engine_cycles, r.last_token_cycles}; }

mantsim_dram_activity dram_activity(const DramActivity &a) {
    return mantsim_dram_activity{a.activates, a.precharges, a.read_bursts, a.write_bursts, a.active_standby_ps, a.precharged_standby_ps};
}

}  // namespace mantsim
