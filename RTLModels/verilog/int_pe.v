// An INT PE (weight-stationary): a signed WEIGHT_BITS-bit weight (two's complement) times a signed
// ACT_BITS-bit activation added to the partial sum from above. WEIGHT_BITS = 8 is the W8A8 PE,
// 4 the W4A8 PE. The same step as the SystemC model's INT PE (pe_array.cpp, step_ws_int without the
// shift lane).
module int_pe #(
    parameter WEIGHT_BITS = 8,
    parameter ACT_BITS = 8,
    parameter SUM_BITS = 32
) (
    input  wire                          clk,
    input  wire                          load,
    input  wire signed [WEIGHT_BITS-1:0] w_in,
    input  wire signed [ACT_BITS-1:0]    a_in,
    input  wire signed [SUM_BITS-1:0]    s_in,
    output reg  signed [ACT_BITS-1:0]    a_out,
    output reg  signed [SUM_BITS-1:0]    s_out
);
    reg signed [WEIGHT_BITS-1:0] weight;
    wire signed [WEIGHT_BITS+ACT_BITS-1:0] product = weight * a_in;

    always @(posedge clk) begin
        if (load) weight <= w_in;
        a_out <= a_in;
        s_out <= s_in + product;
    end
endmodule
