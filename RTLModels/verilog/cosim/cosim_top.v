// Every PE of RTLModels/verilog side by side under one clock, each with its own ports, so that a
// single build co-simulates them all (cosim.cpp drives each against the C++ model).
module cosim_top (
    input  wire        clk,
    input  wire        load,
    // INT8 (W8A8) and INT4 (W4A8) PEs
    input  wire [7:0]  int8_w, input wire [3:0] int4_w, input wire [7:0] int_a, input wire [31:0] int_s,
    output wire [31:0] int8_s_out, output wire [31:0] int4_s_out,
    // M-ANT PEs, 4-bit and 3-bit codes
    input  wire [3:0]  mant_code, input wire [2:0] mant3_code, input wire mant_linear, input wire [7:0] mant_a,
    input  wire [31:0] mant_m, input wire [31:0] mant_h,
    output wire [31:0] mant_m_out, output wire [31:0] mant_h_out, output wire [31:0] mant3_m_out, output wire [31:0] mant3_h_out,
    // the SAC row's integer part
    input  wire [7:0]  sac_a, input wire [31:0] sac_m, input wire [31:0] sac_h, output wire [31:0] sac_total,
    // ANT-style decode-then-multiply PE
    input  wire [3:0]  ant_code, input wire [1:0] ant_type, input wire [7:0] ant_a, input wire [31:0] ant_s, output wire [31:0] ant_s_out,
    // OliVe-style decode-then-multiply PE, with its pair partner's code
    input  wire [3:0]  olive_code, input wire [3:0] olive_partner, input wire [7:0] olive_a, input wire [31:0] olive_s,
    output wire [31:0] olive_s_out,
    // FP16 PE
    input  wire [15:0] fp_w, input wire [15:0] fp_a, input wire [31:0] fp_s, output wire [31:0] fp_s_out,
    // LUT decoder, 4-bit codes
    input  wire        lut_write, input wire [3:0] lut_index, input wire [15:0] lut_value, input wire [3:0] lut_code,
    output wire [15:0] lut_out,
    // a group of 8 down a column of M-ANT PEs into the SAC integer part
    input  wire [31:0] col_codes, input wire col_linear, input wire [7:0] col_a_coeff, input wire [63:0] col_acts,
    output wire [31:0] col_total
);
    wire [7:0] unused_a [0:6];
    wire [15:0] unused_fp_a;

    int_pe #(.WEIGHT_BITS(8)) int8 (.clk(clk), .load(load), .w_in(int8_w), .a_in(int_a), .s_in(int_s), .a_out(unused_a[0]), .s_out(int8_s_out));
    int_pe #(.WEIGHT_BITS(4)) int4 (.clk(clk), .load(load), .w_in(int4_w), .a_in(int_a), .s_in(int_s), .a_out(unused_a[1]), .s_out(int4_s_out));
    mant_pe #(.WEIGHT_BITS(4)) mant4 (.clk(clk), .load(load), .w_code(mant_code), .w_linear(mant_linear), .a_in(mant_a),
        .m_in(mant_m), .h_in(mant_h), .a_out(unused_a[2]), .m_out(mant_m_out), .h_out(mant_h_out));
    mant_pe #(.WEIGHT_BITS(3)) mant3 (.clk(clk), .load(load), .w_code(mant3_code), .w_linear(mant_linear), .a_in(mant_a),
        .m_in(mant_m), .h_in(mant_h), .a_out(unused_a[3]), .m_out(mant3_m_out), .h_out(mant3_h_out));
    mant_sac_int sac (.clk(clk), .coefficient(sac_a), .m_in(sac_m), .h_in(sac_h), .total(sac_total));
    ant_pe ant (.clk(clk), .load(load), .w_code(ant_code), .w_type(ant_type), .a_in(ant_a), .s_in(ant_s), .a_out(unused_a[4]), .s_out(ant_s_out));
    olive_pe olive (.clk(clk), .load(load), .w_code(olive_code), .w_partner(olive_partner), .a_in(olive_a), .s_in(olive_s),
        .a_out(unused_a[5]), .s_out(olive_s_out));
    fp16_mac_pe fp16 (.clk(clk), .load(load), .w_in(fp_w), .a_in(fp_a), .s_in(fp_s), .a_out(unused_fp_a), .s_out(fp_s_out));
    lut_decoder #(.BITS(4)) lut (.clk(clk), .write(lut_write), .write_index(lut_index), .write_value(lut_value), .code(lut_code), .value(lut_out));
    mant_group_column #(.GROUP(8)) column (.clk(clk), .load(load), .w_codes(col_codes), .w_linear(col_linear), .coefficient(col_a_coeff),
        .activations(col_acts), .total(col_total));
endmodule
