// The integer part of M-ANT's SAC unit: at a group boundary it combines the column's two partial
// sums as a*M + H with the group's coefficient a (0..120; 1 for a linear group), before the FP32
// scale-accumulate. The same arithmetic as the SystemC model's SAC row (pe_array.cpp: total =
// a_g * pm + ph).
module mant_sac_int #(
    parameter SUM_BITS = 32,
    parameter COEFF_BITS = 8                  // a in 0..120 (MANTFormat.coefficients), unsigned
) (
    input  wire                        clk,
    input  wire [COEFF_BITS-1:0]       coefficient,
    input  wire signed [SUM_BITS-1:0]  m_in,
    input  wire signed [SUM_BITS-1:0]  h_in,
    output reg  signed [SUM_BITS-1:0]  total
);
    wire signed [SUM_BITS+COEFF_BITS:0] scaled = $signed({1'b0, coefficient}) * m_in;

    always @(posedge clk) total <= scaled[SUM_BITS-1:0] + h_in;
endmodule
