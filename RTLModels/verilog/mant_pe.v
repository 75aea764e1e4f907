// M-ANT fused PE (weight-stationary): a stored code is a sign and a magnitude index i. The MAC
// path multiplies the activation by +-i (an i-bit magnitude times an 8-bit activation), the shift
// path adds +-(activation << i), and the two integer partial sums M and H flow down the column to
// the SAC row, which forms a*M + H at the group boundary (mant_sac_int.v). A linear group (the
// coefficient selector 15) uses the MAC path alone. The same step as the SystemC model's M-ANT PE
// (RTLModels/src/array/pe_array.cpp, step_ws_int; codes as kinds/pe_kind_mant.cpp decodes them).
module mant_pe #(
    parameter WEIGHT_BITS = 4,           // 3 or 4: a sign and WEIGHT_BITS-1 magnitude bits
    parameter ACT_BITS = 8,
    parameter SUM_BITS = 32
) (
    input  wire                       clk,
    input  wire                       load,      // take w_code and w_linear into the weight register
    input  wire [WEIGHT_BITS-1:0]     w_code,
    input  wire                       w_linear,
    input  wire signed [ACT_BITS-1:0] a_in,      // from the left neighbour
    input  wire signed [SUM_BITS-1:0] m_in,      // from the PE above
    input  wire signed [SUM_BITS-1:0] h_in,
    output reg  signed [ACT_BITS-1:0] a_out,     // to the right neighbour
    output reg  signed [SUM_BITS-1:0] m_out,     // to the PE below
    output reg  signed [SUM_BITS-1:0] h_out
);
    localparam MAG_BITS = WEIGHT_BITS - 1;
    localparam SHIFTED_BITS = ACT_BITS + (1 << MAG_BITS);

    reg [WEIGHT_BITS-1:0] code;
    reg                   linear;

    wire                negative  = code[WEIGHT_BITS-1];
    wire [MAG_BITS-1:0] magnitude = code[MAG_BITS-1:0];

    // MAC path: an unsigned MAG_BITS-bit magnitude times the signed activation.
    wire signed [ACT_BITS+MAG_BITS:0] product = $signed({1'b0, magnitude}) * a_in;
    wire signed [ACT_BITS+MAG_BITS:0] mac = negative ? -product : product;

    // Shift path: the activation shifted left by the magnitude index.
    wire signed [SHIFTED_BITS-1:0] widened = a_in;
    wire signed [SHIFTED_BITS-1:0] shifted = widened <<< magnitude;
    wire signed [SHIFTED_BITS-1:0] shift = linear ? {SHIFTED_BITS{1'b0}} : (negative ? -shifted : shifted);

    always @(posedge clk) begin
        if (load) begin
            code   <= w_code;
            linear <= w_linear;
        end
        a_out <= a_in;
        m_out <= m_in + mac;
        h_out <= h_in + shift;
    end
endmodule
