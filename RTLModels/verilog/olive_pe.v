// An OliVe-style PE (weight-stationary; Guo et al., ISCA 2023), decode then multiply. Codes come in
// outlier-victim pairs: the PE loads its own 4-bit code and its pair partner's. Its own code 8 is a
// victim and weighs zero; beside a victim partner its own code is an abfloat outlier (sign in bit 3,
// a magnitude of 12 to 96 in int4 units by bits 2:0); otherwise it is a two's complement int4. The
// signed 8-bit weight then goes into an 8 x 8 multiplier. The decode and step of the SystemC
// model's OliVe kind (kinds/pe_kind_olive.cpp, pe_array.cpp step_ws_int).
module olive_pe #(
    parameter ACT_BITS = 8,
    parameter SUM_BITS = 32
) (
    input  wire                       clk,
    input  wire                       load,
    input  wire [3:0]                 w_code,     // this PE's code
    input  wire [3:0]                 w_partner,  // the other code of its pair
    input  wire signed [ACT_BITS-1:0] a_in,
    input  wire signed [SUM_BITS-1:0] s_in,
    output reg  signed [ACT_BITS-1:0] a_out,
    output reg  signed [SUM_BITS-1:0] s_out
);
    localparam [3:0] VICTIM = 4'b1000;
    reg [3:0] code;
    reg [3:0] partner;
    reg [6:0] outlier;

    always @(*) begin
        case (code[2:0])
            3'd0: outlier = 7'd0;   3'd1: outlier = 7'd12;  3'd2: outlier = 7'd16;  3'd3: outlier = 7'd24;
            3'd4: outlier = 7'd32;  3'd5: outlier = 7'd48;  3'd6: outlier = 7'd64;  default: outlier = 7'd96;
        endcase
    end

    wire signed [7:0] normal = {{4{code[3]}}, code};
    wire signed [7:0] abfloat = code[3] ? -$signed({1'b0, outlier}) : $signed({1'b0, outlier});
    wire signed [7:0] weight = (code == VICTIM) ? 8'sd0 : ((partner == VICTIM) ? abfloat : normal);
    wire signed [ACT_BITS+7:0] product = weight * a_in;

    always @(posedge clk) begin
        if (load) begin
            code <= w_code;
            partner <= w_partner;
        end
        a_out <= a_in;
        s_out <= s_in + product;
    end
endmodule
