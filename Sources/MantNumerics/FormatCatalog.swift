/// The format names users type, and what each means.
///
/// | name | format | default granularity |
/// |---|---|---|
/// | mant4, mant3 | M-ANT | group64 |
/// | int2 ... int8, int16, int4-asym ... | INT symmetric / asymmetric (int16: KV caches run in digit passes) | group64 |
/// | ant4 | ANT | channel |
/// | olive4 | OliVe | channel |
/// | nf4, nf3, nf2 | NormalFloat LUT (FLUTE) | group64 |
/// | mxfp4 | OCP MXFP4 | blocks of 32 (fixed) |
/// | fp8-e4m3, fp8-e5m2 | FP8 with an FP16 scale | channel |
/// | fp16, bf16 | plain cast | none |
/// | quip4, aqlm3, gptvq2, cq4, cq2, vq-V-K-R | VQ <v, k, r> | codebook per tensor |
public enum FormatCatalog {
    /// Every name `parse` accepts, in the order the CLI reports them with `--all`.
    public static let names: [String] =
        ["fp16", "bf16", "fp8-e4m3", "fp8-e5m2", "int16", "int8", "int4", "int4-asym", "int3", "int2", "mant4", "mant3",
         "ant4", "olive4", "nf4", "nf3", "nf2", "mxfp4"] + VectorQuantizationConfig.named.map(\.name)

    /// Formats `--all` runs: every family once, leaving out the VQ configurations whose codebook
    /// training takes minutes on a large tensor (quip4 and aqlm3; name them to run them) and cq2,
    /// which is the same <4, 8, 1> configuration as gptvq2 (VQ-LLM uses it for the KV cache), and
    /// int16, a KV-cache format for arrays that run it in digit passes.
    public static let allDefault: [String] = names.filter { !["quip4", "aqlm3", "cq2", "int16"].contains($0) }

    /// Parses a format name; `granularity` overrides the family default where the family has one.
    /// `table` supplies the entries of a custom `lut` format.
    public static func parse(_ name: String, granularity: Granularity? = nil, table: [Float]? = nil) throws -> FormatDescriptor {
        let lower = name.lowercased()
        func scaled(_ kind: FormatDescriptor.Kind, bits: Int, default fallback: Granularity, symmetric: Bool = true) -> FormatDescriptor {
            FormatDescriptor(kind: kind, bits: bits, granularity: granularity ?? fallback, symmetric: symmetric)
        }
        switch lower {
        case "fp16": return FormatDescriptor(kind: .fp16, bits: 16, granularity: .tensor)
        case "bf16": return FormatDescriptor(kind: .bf16, bits: 16, granularity: .tensor)
        case "fp8-e4m3": return scaled(.fp8e4m3, bits: 8, default: .channel)
        case "fp8-e5m2": return scaled(.fp8e5m2, bits: 8, default: .channel)
        case "mxfp4": return FormatDescriptor(kind: .mxfp4, bits: 4, granularity: .group(MXFP4Format.blockSize))
        case "ant4": return scaled(.ant, bits: 4, default: .channel)
        case "olive4": return scaled(.olive, bits: 4, default: .channel)
        case "mant3", "mant4": return scaled(.mant, bits: Int(lower.dropFirst(4))!, default: .group(64))
        case "nf2", "nf3", "nf4":
            let bits = Int(lower.dropFirst(2))!
            let format = try LookupTableFormat.normalFloat(bits: bits, granularity: granularity ?? .group(64))
            return format.descriptor
        case "lut":
            guard let table else {
                throw QuantizationError.invalidParameter(field: "table", message: "format 'lut' needs a table (--table FILE)")
            }
            return try LookupTableFormat(table: table, name: "lut\(table.count.trailingZeroBitCount)",
                                         granularity: granularity ?? .group(64)).descriptor
        default: break
        }
        if let named = VectorQuantizationConfig.named.first(where: { $0.name == lower }) {
            return FormatDescriptor(kind: .vq, bits: named.config.indexBits, granularity: .tensor, vq: named.config)
        }
        if lower.hasPrefix("vq-") {
            let parts = lower.dropFirst(3).split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else {
                throw QuantizationError.invalidParameter(field: "format", message: "'\(name)': VQ is written vq-V-K-R, e.g. vq-4-8-1")
            }
            let config = VectorQuantizationConfig(vectorLength: parts[0], indexBits: parts[1], stages: parts[2])
            try config.validate()
            return FormatDescriptor(kind: .vq, bits: parts[1], granularity: .tensor, vq: config)
        }
        if lower.hasPrefix("int") {
            let asymmetric = lower.hasSuffix("-asym")
            let digits = lower.dropFirst(3).dropLast(asymmetric ? 5 : 0)
            if let bits = Int(digits), (2...8).contains(bits) || bits == 16 {
                return scaled(.int, bits: bits, default: .group(64), symmetric: !asymmetric)
            }
        }
        throw QuantizationError.invalidParameter(
            field: "format", message: "unknown format '\(name)'; known: \(names.joined(separator: ", ")), lut, vq-V-K-R")
    }
}
