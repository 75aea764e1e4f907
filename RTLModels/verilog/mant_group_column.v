// A column of GROUP M-ANT PEs and the SAC row's integer part below it: one group of a weight row
// reduced as the array reduces it. Activations enter skewed (row r at cycle r), the partial sums
// M and H run down the PEs, and a*M + H leaves the SAC unit GROUP + 1 cycles after the first
// activation (mant_pe.v, mant_sac_int.v).
module mant_group_column #(
    parameter GROUP = 8,
    parameter WEIGHT_BITS = 4,
    parameter ACT_BITS = 8,
    parameter SUM_BITS = 32
) (
    input  wire                              clk,
    input  wire                              load,
    input  wire [GROUP*WEIGHT_BITS-1:0]      w_codes,      // row r's code in bits r*WEIGHT_BITS +: WEIGHT_BITS
    input  wire                              w_linear,
    input  wire [7:0]                        coefficient,
    input  wire [GROUP*ACT_BITS-1:0]         activations,  // row r's activation, already skewed by the caller
    output wire signed [SUM_BITS-1:0]        total
);
    wire signed [SUM_BITS-1:0] m [0:GROUP];
    wire signed [SUM_BITS-1:0] h [0:GROUP];
    assign m[0] = {SUM_BITS{1'b0}};
    assign h[0] = {SUM_BITS{1'b0}};

    genvar r;
    generate
        for (r = 0; r < GROUP; r = r + 1) begin : row
            wire signed [ACT_BITS-1:0] passed;
            mant_pe #(.WEIGHT_BITS(WEIGHT_BITS), .ACT_BITS(ACT_BITS), .SUM_BITS(SUM_BITS)) pe (
                .clk(clk), .load(load), .w_code(w_codes[r*WEIGHT_BITS +: WEIGHT_BITS]), .w_linear(w_linear),
                .a_in(activations[r*ACT_BITS +: ACT_BITS]), .m_in(m[r]), .h_in(h[r]),
                .a_out(passed), .m_out(m[r+1]), .h_out(h[r+1]));
        end
    endgenerate

    mant_sac_int #(.SUM_BITS(SUM_BITS)) sac (.clk(clk), .coefficient(coefficient), .m_in(m[GROUP]), .h_in(h[GROUP]), .total(total));
endmodule
