// Co-simulation of the Verilog PEs (RTLModels/verilog) against the SystemC model's own code: each
// PE gets random and corner-case operands, the model's kind decodes the same codes
// (kinds/pe_kind_*.cpp) and its step arithmetic (array/pe_step.hpp) gives the expected outputs, bit
// for bit. A group of 8 weights then runs down a column of M-ANT PEs into the SAC row's integer
// part and must equal the model's steps over the group.
//
//   cosim [CASES] [SEED]      (defaults 200000 and 2025); exit status 1 on the first mismatch
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "Vcosim_top.h"
#include "array/pe_step.hpp"
#include "kinds/pe_kind.hpp"
#include "verilated.h"

using namespace mantsim;

namespace {

Vcosim_top *top = nullptr;
uint64_t checks = 0;

void tick() {
    top->clk = 0;
    top->eval();
    top->clk = 1;
    top->eval();
}

[[noreturn]] void mismatch(const std::string &what) {
    std::fprintf(stderr, "cosim: MISMATCH %s\n", what.c_str());
    std::exit(1);
}

void expect_bits(const char *pe, uint32_t got, uint32_t want, const std::string &operands) {
    ++checks;
    if (got != want) mismatch(std::string(pe) + ": " + operands + ": Verilog " + std::to_string(got) + ", model " + std::to_string(want));
}

// What the model's kind makes of one stored code: the MAC lane, the shift lane and a.
struct Decoded {
    int16_t mac = 0, shift = 0;
    int32_t a = 1;
};

// A one-row job of one group of k codes, scale 1.0.
GemmJob group_job(const uint16_t *codes, size_t k, uint32_t weight_bits) {
    static const uint16_t scale = 0x3c00;
    GemmJob job;
    job.m = 1;
    job.k = k;
    job.n = 1;
    job.group_size = k;
    job.weight_bits = weight_bits;
    job.weight_codes = codes;
    job.group_scales = &scale;
    return job;
}

// The decode tables the Verilog PEs hold, as MantNumerics defines them (ANTFormat, OliVeFormat
// and MANTFormat's decodeTable): the model's kinds get them in the job's payload, as from Swift.
const std::vector<uint16_t> ant_table = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 6, 8, 16, 0, 1, 2, 4, 8, 16, 32, 64, 0, 1, 2, 3, 4, 6, 8, 12,
                                         0, 2, 0, 1};
const std::vector<uint16_t> olive_table = {0, 12, 16, 24, 32, 48, 64, 96};
const std::vector<uint16_t> mant_table = {0, 5, 10, 17, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};

// What the model's kind makes of one group of codes: each code's MAC and shift lanes, and a.
std::vector<Decoded> decode_group(int pe_type, uint32_t weight_bits, const std::vector<uint16_t> &codes, uint8_t selector) {
    GemmJob job = group_job(codes.data(), codes.size(), weight_bits);
    job.group_selectors = &selector;
    const std::vector<uint16_t> *table = pe_type == MANTSIM_PE_ANT     ? &ant_table
                                         : pe_type == MANTSIM_PE_OLIVE ? &olive_table
                                         : pe_type == MANTSIM_PE_MANT  ? &mant_table
                                                                       : nullptr;
    if (table != nullptr) {
        job.payload = table->data();
        job.payload_values = static_cast<uint32_t>(table->size());
    }
    DecodedWeights out;
    out.group_a.assign(1, 1);
    out.group_scale.assign(1, 0.0f);
    std::vector<int16_t> mac(codes.size(), 0), shift(codes.size(), 0);
    GroupSlice slice{codes.data(), 0, codes.size(), 0, mac.data(), shift.data()};
    pe_kind(pe_type).decode_group(job, slice, out);
    std::vector<Decoded> result;
    for (size_t i = 0; i < codes.size(); ++i) result.push_back({mac[i], shift[i], out.group_a[0]});
    return result;
}

Decoded decode(int pe_type, uint32_t weight_bits, uint16_t code, uint8_t selector) {
    return decode_group(pe_type, weight_bits, {code}, selector)[0];
}

uint32_t bits_of(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    return bits;
}

float float_of(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, 4);
    return value;
}

std::string hex(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", value);
    return text;
}

struct Random {
    std::mt19937_64 engine;
    explicit Random(uint64_t seed) : engine(seed) {}
    uint32_t bits(int n) { return static_cast<uint32_t>(engine() & ((n >= 32) ? 0xffffffffull : ((1ull << n) - 1))); }
    bool one_in(int n) { return engine() % static_cast<uint64_t>(n) == 0; }
    template <typename T>
    T pick(const std::vector<T> &values) { return values[engine() % values.size()]; }
};

// Partial sums: random, or at the edges of 32 bits.
uint32_t partial_sum(Random &random) {
    static const std::vector<uint32_t> corners = {0u, 1u, 0xffffffffu, 0x7fffffffu, 0x80000000u, 0x7fff0000u, 0x80010000u};
    return random.one_in(4) ? random.pick(corners) : random.bits(32);
}

int8_t activation(Random &random) {
    static const std::vector<uint32_t> corners = {0x80, 0x7f, 0x00, 0xff, 0x01};
    return static_cast<int8_t>(random.one_in(4) ? random.pick(corners) : random.bits(8));
}

void integer_pes(Random &random, uint64_t cases) {
    for (uint64_t i = 0; i < cases; ++i) {
        const uint16_t w8 = static_cast<uint16_t>(random.bits(8)), w4 = static_cast<uint16_t>(random.bits(4));
        const uint16_t mant = static_cast<uint16_t>(random.bits(4)), mant3 = static_cast<uint16_t>(random.bits(3));
        const uint8_t selector = static_cast<uint8_t>(random.one_in(4) ? 15 : random.bits(4));
        const uint16_t ant = static_cast<uint16_t>(random.bits(4));
        const uint8_t ant_type = static_cast<uint8_t>(random.bits(2));
        const int8_t a = activation(random);
        const uint32_t s = partial_sum(random), m = partial_sum(random), h = partial_sum(random);

        top->load = 1;
        top->int8_w = w8;
        top->int4_w = w4;
        top->mant_code = mant;
        top->mant3_code = mant3;
        top->mant_linear = selector == 15;
        top->ant_code = ant;
        top->ant_type = ant_type;
        tick();
        top->load = 0;
        top->int_a = top->mant_a = top->ant_a = static_cast<uint8_t>(a);
        top->int_s = top->ant_s = s;
        top->mant_m = m;
        top->mant_h = h;
        const Decoded d_int8 = decode(MANTSIM_PE_INT, 8, w8, 0), d_int4 = decode(MANTSIM_PE_INT, 4, w4, 0);
        const Decoded d_mant = decode(MANTSIM_PE_MANT, 4, mant, selector), d_mant3 = decode(MANTSIM_PE_MANT, 3, mant3, selector);
        const Decoded d_ant = decode(MANTSIM_PE_ANT, 4, ant, ant_type);
        top->sac_a = static_cast<uint8_t>(d_mant.a);
        top->sac_m = random.one_in(2) ? m : static_cast<uint32_t>(static_cast<int32_t>(random.bits(25)) - (1 << 24));
        top->sac_h = random.one_in(2) ? h : static_cast<uint32_t>(static_cast<int32_t>(random.bits(25)) - (1 << 24));
        tick();
        const std::string operands = "a=" + std::to_string(a) + " s/m=" + hex(s) + " h=" + hex(h);
        const int32_t si = static_cast<int32_t>(s), mi = static_cast<int32_t>(m), hi = static_cast<int32_t>(h);
        // The model's sums wrap as two's complement (unsigned arithmetic here, as the hardware's adders).
        auto wrap = [](int64_t value) { return static_cast<uint32_t>(static_cast<uint64_t>(value)); };
        auto step = [&](int32_t above, int16_t w) {
            return wrap(static_cast<int64_t>(above) + static_cast<int64_t>(pe_step::integer(0, w, a)));
        };
        expect_bits("int8", top->int8_s_out, step(si, d_int8.mac), "w=" + std::to_string(w8) + " " + operands);
        expect_bits("int4", top->int4_s_out, step(si, d_int4.mac), "w=" + std::to_string(w4) + " " + operands);
        expect_bits("mant4 M", top->mant_m_out, step(mi, d_mant.mac), "code=" + std::to_string(mant) + " sel=" + std::to_string(selector) + " " + operands);
        expect_bits("mant4 H", top->mant_h_out, step(hi, d_mant.shift), "code=" + std::to_string(mant) + " sel=" + std::to_string(selector) + " " + operands);
        expect_bits("mant3 M", top->mant3_m_out, step(mi, d_mant3.mac), "code=" + std::to_string(mant3) + " " + operands);
        expect_bits("mant3 H", top->mant3_h_out, step(hi, d_mant3.shift), "code=" + std::to_string(mant3) + " " + operands);
        expect_bits("ant", top->ant_s_out, step(si, d_ant.mac), "code=" + std::to_string(ant) + " type=" + std::to_string(ant_type) + " " + operands);
        // The SAC unit: column sums stay far inside 2^24 (8-bit activations, 16-bit lanes), where
        // a*M + H cannot overflow 32 bits; the hardware wraps beyond, as two's complement.
        const int32_t mi_sac = static_cast<int32_t>(top->sac_m), hi_sac = static_cast<int32_t>(top->sac_h);
        const int64_t wide = static_cast<int64_t>(d_mant.a) * mi_sac + hi_sac;
        const uint32_t sac = (std::llabs(mi_sac) < (1 << 24) && std::llabs(hi_sac) < (1 << 24))
            ? static_cast<uint32_t>(pe_step::sac_integer(d_mant.a, mi_sac, hi_sac)) : wrap(wide);
        expect_bits("sac", top->sac_total, sac, "a=" + std::to_string(d_mant.a) + " m=" + hex(top->sac_m) + " h=" + hex(top->sac_h));
    }
}

// OliVe pairs: normal int4 pairs, an outlier beside its victim on either side (two victims are
// not a pair the quantizer makes and the model refuses them). Each PE of the pair is checked.
void olive_pe(Random &random, uint64_t cases) {
    for (uint64_t i = 0; i < cases; ++i) {
        uint16_t first = static_cast<uint16_t>(random.bits(4)), second = static_cast<uint16_t>(random.bits(4));
        if (random.one_in(3)) (random.one_in(2) ? first : second) = 8;
        if (first == 8 && second == 8) (random.one_in(2) ? first : second) = static_cast<uint16_t>(random.bits(3));
        const std::vector<Decoded> pair = decode_group(MANTSIM_PE_OLIVE, 4, {first, second}, 0);
        const bool own_first = random.one_in(2);
        const uint16_t code = own_first ? first : second, partner = own_first ? second : first;
        const int16_t w = pair[own_first ? 0 : 1].mac;
        const int8_t a = activation(random);
        const uint32_t s = partial_sum(random);
        top->load = 1;
        top->olive_code = code;
        top->olive_partner = partner;
        tick();
        top->load = 0;
        top->olive_a = static_cast<uint8_t>(a);
        top->olive_s = s;
        tick();
        const int64_t want = static_cast<int64_t>(static_cast<int32_t>(s)) + pe_step::integer(0, w, a);
        expect_bits("olive", top->olive_s_out, static_cast<uint32_t>(static_cast<uint64_t>(want)),
                    "code=" + std::to_string(code) + " partner=" + std::to_string(partner) + " a=" + std::to_string(a) + " s=" + hex(s));
    }
}

// FP16 operands: every class (zeros, subnormals, normals, the largest, infinities, NaN) and random.
uint16_t half(Random &random) {
    static const std::vector<uint32_t> corners = {0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x7bff, 0xfbff,
                                                  0x7c00, 0xfc00, 0x7e00, 0x7c01, 0x3555, 0x0200};
    return static_cast<uint16_t>(random.one_in(3) ? random.pick(corners) : random.bits(16));
}

void fp16_pe(Random &random, uint64_t cases) {
    static const std::vector<uint32_t> corners = {0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
                                                  0x7f800000, 0xff800000, 0x7fc00000, 0x3f800000, 0x33800000};
    for (uint64_t i = 0; i < cases; ++i) {
        const uint16_t w = half(random), a = half(random);
        const float product = half_to_float(w) * half_to_float(a);
        uint32_t s;
        switch (random.bits(3)) {
        case 0: s = random.pick(corners); break;
        case 1: s = bits_of(-product); break;                               // cancels exactly
        case 2: s = bits_of(-product) ^ random.bits(3); break;              // cancels to a few ulps
        case 3: s = bits_of(product * std::ldexp(1.0f, static_cast<int>(random.bits(6)) - 32)); break;  // near in size
        default: s = random.bits(32); break;
        }
        top->load = 1;
        top->fp_w = w;
        tick();
        top->load = 0;
        top->fp_a = a;
        top->fp_s = s;
        tick();
        const float want = pe_step::fp16(float_of(s), half_to_float(w), half_to_float(a));
        const uint32_t got = top->fp_s_out;
        ++checks;
        if (std::isnan(want) ? !std::isnan(float_of(got)) : got != bits_of(want)) {
            char text[160];
            std::snprintf(text, sizeof text, "fp16: w=0x%04x a=0x%04x s=0x%08x: Verilog 0x%08x, model 0x%08x", w, a, s, got, bits_of(want));
            mismatch(text);
        }
    }
}

void lut_decoder(Random &random, uint64_t cases) {
    for (uint64_t round = 0; round < cases / 16 + 1; ++round) {
        std::vector<uint16_t> table(16);
        top->lut_write = 1;
        for (uint32_t index = 0; index < 16; ++index) {
            table[index] = half(random);
            top->lut_index = index;
            top->lut_value = table[index];
            tick();
        }
        top->lut_write = 0;
        std::vector<uint16_t> codes(16);
        for (auto &code : codes) code = static_cast<uint16_t>(random.bits(4));
        GemmJob job = group_job(codes.data(), codes.size(), 4);
        job.payload = table.data();
        job.payload_values = 16;
        ArraySpec config;
        config.pe_type = MANTSIM_PE_LUT;
        config.lut.scale = MANTSIM_LUT_SCALE_SAC;
        const DecodedWeights decoded = pe_kind(MANTSIM_PE_LUT).decode_all(job, config);
        for (size_t i = 0; i < codes.size(); ++i) {
            top->lut_code = codes[i];
            tick();
            const float want = decoded.fp16[i], got = half_to_float(top->lut_out);
            ++checks;
            if (std::isnan(want) ? !std::isnan(got) : bits_of(got) != bits_of(want)) {
                mismatch("lut: code " + std::to_string(codes[i]) + ": Verilog " + hex(top->lut_out) + ", model " + hex(bits_of(want)));
            }
        }
    }
}

// A group of 8 down the column: activations enter skewed, a*M + H leaves the SAC unit.
void group_column(Random &random, uint64_t cases) {
    for (uint64_t i = 0; i < cases; ++i) {
        const uint8_t selector = static_cast<uint8_t>(random.one_in(4) ? 15 : random.bits(4));
        uint32_t codes = 0;
        int32_t m = 0, h = 0, a = 1;
        int8_t acts[8];
        for (int r = 0; r < 8; ++r) {
            const uint16_t code = static_cast<uint16_t>(random.bits(4));
            codes |= static_cast<uint32_t>(code) << (4 * r);
            acts[r] = activation(random);
            const Decoded d = decode(MANTSIM_PE_MANT, 4, code, selector);
            m = pe_step::integer(m, d.mac, acts[r]);
            h = pe_step::integer(h, d.shift, acts[r]);
            a = d.a;
        }
        const int32_t want = pe_step::sac_integer(a, m, h);
        top->load = 1;
        top->col_codes = codes;
        top->col_linear = selector == 15;
        top->col_a_coeff = static_cast<uint8_t>(a);
        tick();
        top->load = 0;
        for (int cycle = 0; cycle <= 8; ++cycle) {
            uint64_t bus = 0;
            if (cycle < 8) bus = static_cast<uint64_t>(static_cast<uint8_t>(acts[cycle])) << (8 * cycle);
            top->col_acts = bus;
            tick();
        }
        expect_bits("group column", top->col_total, static_cast<uint32_t>(want), "codes=" + hex(codes) + " selector=" + std::to_string(selector));
    }
}

}  // namespace

int main(int argc, char **argv) {
    const uint64_t cases = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
    const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2025;
    Verilated::commandArgs(1, argv);
    top = new Vcosim_top;
    Random random(seed);
    integer_pes(random, cases);
    olive_pe(random, cases);
    std::printf("cosim: INT8, INT4, M-ANT (4- and 3-bit), ANT, OliVe and SAC integer PEs match the model on %llu cases\n",
                static_cast<unsigned long long>(cases));
    fp16_pe(random, cases);
    std::printf("cosim: FP16 PE matches the model on %llu cases\n", static_cast<unsigned long long>(cases));
    lut_decoder(random, cases / 16);
    group_column(random, cases / 16);
    std::printf("cosim: LUT decoder and an 8-PE M-ANT group column with its SAC unit match the model; %llu checks in all (seed %llu)\n",
                static_cast<unsigned long long>(checks), static_cast<unsigned long long>(seed));
    top->final();
    delete top;
    return 0;
}
