/// Everything that defines a format instance: its kind, width, scale granularity and the
/// kind-specific parameters. It is stored with every quantized tensor, so a file names the exact
/// decoder it needs, and it is what the CLI parses a format name into.
public struct FormatDescriptor: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case mant, int, ant, olive, lut, mxfp4, fp8e4m3 = "fp8-e4m3", fp8e5m2 = "fp8-e5m2", fp16, bf16, vq
    }

    public var kind: Kind
    public var bits: Int
    public var granularity: Granularity
    /// INT only: false for asymmetric (zero point) quantization.
    public var symmetric: Bool
    /// LUT only: the table name ("nf4", or "custom") and its 2^bits values.
    public var tableName: String?
    public var table: [Float]?
    /// VQ only.
    public var vq: VectorQuantizationConfig?

    public init(kind: Kind, bits: Int, granularity: Granularity, symmetric: Bool = true,
                tableName: String? = nil, table: [Float]? = nil, vq: VectorQuantizationConfig? = nil) {
        self.kind = kind
        self.bits = bits
        self.granularity = granularity
        self.symmetric = symmetric
        self.tableName = tableName
        self.table = table
        self.vq = vq
    }

    /// A readable, unambiguous name, e.g. `mant4/group64`, `int4-asym/channel`, `nf3/group128`.
    public var name: String {
        let base: String
        switch kind {
        case .mant: base = "mant\(bits)"
        case .int: base = "int\(bits)" + (symmetric ? "" : "-asym")
        case .ant: base = "ant\(bits)"
        case .olive: base = "olive\(bits)"
        case .lut: base = tableName ?? "lut\(bits)"
        case .mxfp4: return "mxfp4"
        case .fp8e4m3, .fp8e5m2: base = kind.rawValue
        case .fp16, .bf16: return kind.rawValue
        case .vq:
            guard let vq else { return "vq" }
            return "vq<\(vq.vectorLength),\(vq.indexBits),\(vq.stages)>/\(vq.scope)"
        }
        return "\(base)/\(granularity)"
    }

    /// Builds the quantizer this descriptor names, checking every parameter.
    public func makeFormat() throws -> any QuantizationFormat {
        switch kind {
        case .mant: return try MANTFormat(bits: bits, granularity: granularity)
        case .int: return try IntegerFormat(bits: bits, symmetric: symmetric, granularity: granularity)
        case .ant: return try ANTFormat(granularity: granularity)
        case .olive: return try OliVeFormat(granularity: granularity)
        case .lut:
            guard let table else {
                throw QuantizationError.invalidParameter(field: "table", message: "a LUT format needs its table of 2^bits values")
            }
            return try LookupTableFormat(table: table, name: tableName ?? "custom", granularity: granularity)
        case .mxfp4: return MXFP4Format()
        case .fp8e4m3: return try ScaledFloatFormat(element: .e4m3, kind: kind, granularity: granularity)
        case .fp8e5m2: return try ScaledFloatFormat(element: .e5m2, kind: kind, granularity: granularity)
        case .fp16: return FloatCastFormat(element: .fp16, kind: kind)
        case .bf16: return FloatCastFormat(element: .bf16, kind: kind)
        case .vq:
            guard let vq else {
                throw QuantizationError.invalidParameter(field: "vq", message: "a VQ format needs its <v, k, r> configuration")
            }
            return try VectorQuantizationFormat(config: vq)
        }
    }
}
