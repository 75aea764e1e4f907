// FP32 addition, rounded to nearest with ties to even, subnormals kept; combinational. The adder
// of the FP16 PE (fp16_mac_pe.v) and of FP32 accumulators.
module fp32_add (
    input  wire [31:0] x,
    input  wire [31:0] y,
    output reg  [31:0] sum
);
    wire       x_nan = (x[30:23] == 8'hff) && (x[22:0] != 0), y_nan = (y[30:23] == 8'hff) && (y[22:0] != 0);
    wire       x_inf = (x[30:23] == 8'hff) && (x[22:0] == 0), y_inf = (y[30:23] == 8'hff) && (y[22:0] == 0);
    // the larger magnitude first
    wire       swap = y[30:0] > x[30:0];
    wire [31:0] larger = swap ? y : x, smaller = swap ? x : y;
    wire [7:0] larger_exp = (larger[30:23] == 0) ? 8'd1 : larger[30:23];
    wire [7:0] smaller_exp = (smaller[30:23] == 0) ? 8'd1 : smaller[30:23];
    wire [23:0] larger_sig = {larger[30:23] != 0, larger[22:0]};
    wire [23:0] smaller_sig = {smaller[30:23] != 0, smaller[22:0]};
    wire [7:0] distance = larger_exp - smaller_exp;
    // three extra bits below the significand: guard, round and sticky
    wire [26:0] larger_ext = {larger_sig, 3'b0};
    wire [26:0] smaller_full = {smaller_sig, 3'b0};
    wire [26:0] smaller_shifted = (distance >= 27) ? 27'b0 : (smaller_full >> distance);
    wire        lost = (distance >= 27) ? (smaller_sig != 0) : ((smaller_full & ((27'b1 << distance) - 27'b1)) != 0);
    wire [26:0] smaller_ext = {smaller_shifted[26:1], smaller_shifted[0] | lost};
    wire        subtract = larger[31] ^ smaller[31];
    wire [27:0] raw = subtract ? ({1'b0, larger_ext} - {1'b0, smaller_ext}) : ({1'b0, larger_ext} + {1'b0, smaller_ext});

    reg [27:0] norm;
    reg [8:0]  exp;
    reg [4:0]  zeros;
    reg [24:0] rounded;
    reg        round_up;
    integer    k;
    always @(*) begin
        norm = raw;
        zeros = 0;
        exp = {1'b0, larger_exp};
        if (norm[27]) begin
            // carry out: one place right, the dropped bit into the sticky bit
            norm = {1'b0, norm[27:2], norm[1] | norm[0]};
            exp = exp + 9'd1;
        end else begin
            // cancellation: left until the leading one reaches bit 26, but not below exponent 1
            zeros = 0;
            for (k = 0; k <= 26; k = k + 1) if (norm[k]) zeros = 5'd26 - k[4:0];
            if (norm[26:0] == 0) zeros = 0;
            if ({4'b0, zeros} > exp - 9'd1) zeros = exp[4:0] - 5'd1;
            norm = norm << zeros;
            exp = exp - {4'b0, zeros};
        end
        round_up = norm[2] && (norm[1] || norm[0] || norm[3]);
        rounded = {1'b0, norm[26:3]} + {24'b0, round_up};
        if (rounded[24]) begin
            rounded = rounded >> 1;
            exp = exp + 9'd1;
        end
        if (x_nan || y_nan || (x_inf && y_inf && (x[31] != y[31])))
            sum = 32'h7fc00000;
        else if (x_inf || y_inf)
            sum = x_inf ? x : y;
        else if (raw == 0)
            sum = {x[31] & y[31], 31'b0};             // exact zero: +0 unless both are -0
        else if (exp >= 9'd255)
            sum = {larger[31], 8'hff, 23'b0};
        else
            sum = {larger[31], rounded[23] ? exp[7:0] : 8'd0, rounded[22:0]};
    end
endmodule
