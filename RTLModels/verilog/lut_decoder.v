// The LUT array's decoder for one column (FLUTE-style lookup-table weights): a table of 2^BITS
// FP16 values, written one entry at a time when a group's table is loaded, read once per cycle by
// the column's code. The lookup of the SystemC model's LUT kind (kinds/pe_kind_lut.cpp: the code
// indexes the format's table of FP16 values).
module lut_decoder #(
    parameter BITS = 4
) (
    input  wire             clk,
    input  wire             write,
    input  wire [BITS-1:0]  write_index,
    input  wire [15:0]      write_value,
    input  wire [BITS-1:0]  code,
    output reg  [15:0]      value
);
    reg [15:0] table_entries [0:(1 << BITS) - 1];

    always @(posedge clk) begin
        if (write) table_entries[write_index] <= write_value;
        value <= table_entries[code];
    end
endmodule
