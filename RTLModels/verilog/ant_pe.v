// An ANT-style PE (weight-stationary), decode then multiply: the stored 4-bit sign-magnitude code
// goes through the group type's table of magnitudes (int, flint, PoT or float, scaled to integers)
// to a signed 8-bit weight, which an 8 x 8 multiplier takes. The decode and step of the SystemC
// model's ANT kind (kinds/pe_kind_ant.cpp, pe_array.cpp step_ws_int). Beside mant_pe.v it measures
// what decoding into the multiplier costs against M-ANT's fused decode.
module ant_pe #(
    parameter ACT_BITS = 8,
    parameter SUM_BITS = 32
) (
    input  wire                       clk,
    input  wire                       load,
    input  wire [3:0]                 w_code,   // sign in bit 3, magnitude index in bits 2:0
    input  wire [1:0]                 w_type,   // 0 int, 1 flint, 2 PoT, 3 float (E2M1)
    input  wire signed [ACT_BITS-1:0] a_in,
    input  wire signed [SUM_BITS-1:0] s_in,
    output reg  signed [ACT_BITS-1:0] a_out,
    output reg  signed [SUM_BITS-1:0] s_out
);
    reg [3:0] code;
    reg [1:0] kind;
    reg [6:0] magnitude;

    always @(*) begin
        case ({kind, code[2:0]})
            // int: 0..7
            5'b00_000: magnitude = 7'd0;  5'b00_001: magnitude = 7'd1;  5'b00_010: magnitude = 7'd2;  5'b00_011: magnitude = 7'd3;
            5'b00_100: magnitude = 7'd4;  5'b00_101: magnitude = 7'd5;  5'b00_110: magnitude = 7'd6;  5'b00_111: magnitude = 7'd7;
            // flint x4: 0, 1, 2, 3, 4, 6, 8, 16
            5'b01_000: magnitude = 7'd0;  5'b01_001: magnitude = 7'd1;  5'b01_010: magnitude = 7'd2;  5'b01_011: magnitude = 7'd3;
            5'b01_100: magnitude = 7'd4;  5'b01_101: magnitude = 7'd6;  5'b01_110: magnitude = 7'd8;  5'b01_111: magnitude = 7'd16;
            // PoT: 0, 1, 2, 4, ..., 64
            5'b10_000: magnitude = 7'd0;  5'b10_001: magnitude = 7'd1;  5'b10_010: magnitude = 7'd2;  5'b10_011: magnitude = 7'd4;
            5'b10_100: magnitude = 7'd8;  5'b10_101: magnitude = 7'd16; 5'b10_110: magnitude = 7'd32; 5'b10_111: magnitude = 7'd64;
            // float (E2M1) x2: 0, 1, 2, 3, 4, 6, 8, 12
            5'b11_000: magnitude = 7'd0;  5'b11_001: magnitude = 7'd1;  5'b11_010: magnitude = 7'd2;  5'b11_011: magnitude = 7'd3;
            5'b11_100: magnitude = 7'd4;  5'b11_101: magnitude = 7'd6;  5'b11_110: magnitude = 7'd8;  default:   magnitude = 7'd12;
        endcase
    end

    wire signed [7:0] weight = code[3] ? -$signed({1'b0, magnitude}) : $signed({1'b0, magnitude});
    wire signed [ACT_BITS+7:0] product = weight * a_in;

    always @(posedge clk) begin
        if (load) begin
            code <= w_code;
            kind <= w_type;
        end
        a_out <= a_in;
        s_out <= s_in + product;
    end
endmodule
