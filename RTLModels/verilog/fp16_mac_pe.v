// An FP16 PE (weight-stationary): an FP16 weight times an FP16 activation, added to the FP32
// partial sum from above with one rounding (to nearest, ties to even). The product of two FP16
// values is exact in FP32 (11 x 11 significand bits, exponents from 2^-48 to 2^31), so the PE
// computes what the SystemC model's FP16 PE computes in C++ floats, up + w * a (pe_array.cpp,
// step_ws_fp16), bit for bit; NaN results are the default quiet NaN. Subnormal FP16 inputs and
// subnormal FP32 sums are kept (no flush to zero).
module fp16_mac_pe (
    input  wire        clk,
    input  wire        load,
    input  wire [15:0] w_in,
    input  wire [15:0] a_in,
    input  wire [31:0] s_in,
    output reg  [15:0] a_out,
    output reg  [31:0] s_out
);
    reg [15:0] weight;

    // ---- the exact product, as an FP32 value ----
    wire        ws = weight[15], as = a_in[15];
    wire [4:0]  we = weight[14:10], ae = a_in[14:10];
    wire [9:0]  wf = weight[9:0], af = a_in[9:0];
    wire        w_nan = (we == 5'h1f) && (wf != 0), a_nan = (ae == 5'h1f) && (af != 0);
    wire        w_inf = (we == 5'h1f) && (wf == 0), a_inf = (ae == 5'h1f) && (af == 0);
    wire        w_zero = (we == 0) && (wf == 0), a_zero = (ae == 0) && (af == 0);
    // value = significand x 2^(exponent - 25), a subnormal's exponent counted as 1
    wire [10:0] w_sig = {we != 0, wf}, a_sig = {ae != 0, af};
    wire [21:0] p_sig = w_sig * a_sig;
    wire signed [7:0] p_exp = $signed({3'b0, (we == 0) ? 5'd1 : we}) + $signed({3'b0, (ae == 0) ? 5'd1 : ae}) - 8'sd50;
    // the leading one of p_sig at bit L: FP32 exponent field = p_exp + L + 127
    reg [4:0] p_lead;
    integer i;
    always @(*) begin
        p_lead = 0;
        for (i = 0; i < 22; i = i + 1) if (p_sig[i]) p_lead = i[4:0];
    end
    wire [7:0]  p_field = p_exp + {3'b0, p_lead} + 8'd127;
    wire [45:0] p_aligned = {24'b0, p_sig} << (5'd23 - p_lead);   // leading one at bit 23
    wire        p_sign = ws ^ as;
    wire        p_nan = w_nan || a_nan || (w_inf && a_zero) || (a_inf && w_zero);
    wire        p_inf = (w_inf || a_inf) && !p_nan;
    wire        p_zero = (w_zero || a_zero) && !p_nan && !p_inf;
    wire [31:0] product = p_nan ? 32'h7fc00000 : p_inf ? {p_sign, 8'hff, 23'b0} : p_zero ? {p_sign, 31'b0}
                        : {p_sign, p_field, p_aligned[22:0]};

    wire [31:0] sum;
    fp32_add adder (.x(s_in), .y(product), .sum(sum));

    always @(posedge clk) begin
        if (load) weight <= w_in;
        a_out <= a_in;
        s_out <= sum;
    end
endmodule
