import MantNumerics

/// The operands of one GEMM Y[M][N] = X[M][K] * W[N][K]^T in the form an array reads them:
/// weight codes and per-group metadata exactly as quantized, and activations quantized per token
/// (symmetric INT8 or INT4, FP16 scale) for integer arrays or rounded to FP16 for the FP16 array.
public struct GemmOperands: Sendable {
    public let m: Int
    public let k: Int
    public let n: Int
    public private(set) var peType: PEType
    /// The weight rows stored; output channel n reads row n % weightRowPeriod.
    public private(set) var weights: QuantizedTensor
    public let weightRowPeriod: Int
    public let groupSize: Int
    public let activationBits: Int
    /// Integer arrays: activation integers and per-token FP16 scale codes.
    public let activationIntegers: [Int8]
    public let activationScaleCodes: [UInt16]
    /// FP16 array: activation FP16 codes.
    public let activationHalfCodes: [UInt16]

    /// Quantizes `activations` ([M, K]) for the PE type that runs `weights` ([N, K]).
    public init(weights: QuantizedTensor, activations: Tensor, activationBits: Int = 8) throws {
        guard weights.shape.count == 2, activations.shape.count == 2 else {
            throw QuantizationError.invalidShape("GEMM operands must be matrices: weights [N, K], activations [M, K]")
        }
        guard weights.shape[1] == activations.shape[1] else {
            throw QuantizationError.invalidShape("weights have K = \(weights.shape[1]) but activations have K = \(activations.shape[1])")
        }
        guard let peType = PEType(format: weights.format) else {
            throw QuantizationError.invalidParameter(field: "format", message: "\(weights.format.name) has no array here; "
                + "arrays run \(PEType.allCases.map(\.rawValue).joined(separator: ", ")) weights (int: symmetric; lut: per group or channel)")
        }
        switch weights.format.granularity {
        case .tensor where peType != .fp16 && peType != .vq:
            throw QuantizationError.invalidParameter(field: "granularity", message: "arrays take channel or group scales, not one per tensor")
        case .group(let size): groupSize = size
        default: groupSize = weights.shape[1]
        }
        m = activations.shape[0]
        k = activations.shape[1]
        n = weights.shape[0]
        self.peType = peType
        self.weights = weights
        weightRowPeriod = n
        if peType == .vq { try GemmOperands.checkVQ(weights) }
        if peType == .lut, let table = weights.format.table, table.count != 1 << weights.format.bits {
            throw QuantizationError.invalidParameter(field: "table", message: "a \(weights.format.bits)-bit LUT needs \(1 << weights.format.bits) entries, got \(table.count)")
        }
        if peType.multipliesFP16 {
            try activations.requireFinite()
            self.activationBits = 16
            activationHalfCodes = activations.values.map { MiniFloat.fp16.encode($0) }
            activationIntegers = []
            activationScaleCodes = []
        } else {
            let quantized = try ActivationQuantizer(bits: activationBits).quantize(activations)
            self.activationBits = activationBits
            activationIntegers = quantized.integers
            activationScaleCodes = quantized.scaleCodes
            activationHalfCodes = []
        }
    }

    /// Operands whose `tokens` activation rows repeat the rows of `activationBlock` in order, the
    /// block quantized once (per-token scales make each repeated row quantize the same way), and
    /// whose `outputs` weight rows repeat the rows of `weights` (all of them when nil). Used for
    /// workload-sized GEMMs whose operands are synthetic: the array still runs the full GEMM.
    public init(weights: QuantizedTensor, outputs: Int? = nil, activationBlock: Tensor, tokens: Int, activationBits: Int = 8) throws {
        guard activationBlock.shape.count == 2, tokens > 0 else {
            throw QuantizationError.invalidShape("an activation block must be a matrix and tokens positive")
        }
        if let outputs, outputs < 1 { throw QuantizationError.invalidShape("a GEMM needs at least one output, got \(outputs)") }
        let block = try GemmOperands(weights: weights, activations: activationBlock, activationBits: activationBits)
        let rows = activationBlock.shape[0], k = block.k
        func repeated<T>(_ values: [T], width: Int) -> [T] {
            guard !values.isEmpty else { return [] }
            var result = [T]()
            result.reserveCapacity(tokens * width)
            for token in 0..<tokens {
                let row = token % rows
                result += values[(row * width)..<((row + 1) * width)]
            }
            return result
        }
        m = tokens
        self.k = k
        n = outputs ?? block.n
        peType = block.peType
        self.weights = weights
        weightRowPeriod = block.n
        groupSize = block.groupSize
        self.activationBits = block.activationBits
        activationIntegers = repeated(block.activationIntegers, width: k)
        activationScaleCodes = repeated(block.activationScaleCodes, width: 1)
        activationHalfCodes = repeated(block.activationHalfCodes, width: k)
    }

    /// The same GEMM with other weights of the same shape and groups (a digit pass's plane): the
    /// activations as they were quantized.
    func replacingWeights(_ weights: QuantizedTensor) throws -> GemmOperands {
        guard weights.shape == self.weights.shape, let peType = PEType(format: weights.format), !peType.multipliesFP16 else {
            throw QuantizationError.invalidShape("replacement weights must be integer-array weights of shape \(self.weights.shape)")
        }
        var copy = self
        copy.weights = weights
        copy.peType = peType
        return copy
    }

    var groups: Int { (k + groupSize - 1) / groupSize }

    /// A LUT array's table as the decoder stores it: FP16 codes of the format's entries.
    var lookupTableCodes: [UInt16] {
        guard peType == .lut, let table = weights.format.table else { return [] }
        return table.map { MiniFloat.fp16.encode($0) }
    }

    /// An integer array's decode table (ANT, OliVe, MXFP4), as the format defines it.
    var decodeTableCodes: [UInt16] {
        guard peType != .lut, peType != .vq, let format = try? weights.format.makeFormat() as? IntegerArrayFormat else { return [] }
        return format.decodeTable.map { UInt16(bitPattern: $0) }
    }

    /// The decoder's payload: a LUT array's table, a VQ array's codebooks, or an integer array's
    /// decode table.
    var decoderPayload: [UInt16] {
        switch peType {
        case .vq: return vqCodebook
        case .lut: return lookupTableCodes
        default: return decodeTableCodes
        }
    }

    /// A VQ array's codebooks as FP16 codes in scope, stage, entry, element order.
    var vqCodebook: [UInt16] {
        guard peType == .vq else { return [] }
        return (weights.metadata.first { $0.name == "codebook" }?.values ?? []).map { UInt16(truncatingIfNeeded: $0) }
    }

    /// Checks that VQ codes and codebooks have the lengths their <v, k, r> and scope imply.
    static func checkVQ(_ weights: QuantizedTensor) throws {
        guard let config = weights.format.vq else { return }
        let (rows, columns, v) = (weights.shape[0], weights.shape[1], config.vectorLength)
        if config.axis == .reduction, columns % v != 0 {
            throw QuantizationError.invalidShape("VQ vectors of \(v) along K need K divisible by \(v), got \(columns)")
        }
        if config.axis == .output, rows % v != 0 {
            throw QuantizationError.invalidShape("VQ vectors of \(v) across output channels need N divisible by \(v), got \(rows)")
        }
        let scopes: Int
        switch config.scope {
        case .tensor: scopes = 1
        case .tile(let size): scopes = ((rows + size - 1) / size) * ((columns + size - 1) / size)
        case .channelGroup(let size): scopes = (rows + size - 1) / size
        }
        let codes = rows * columns / v * config.stages
        let book = scopes * config.stages * config.entries * v
        guard weights.codes.values.count == codes else {
            throw QuantizationError.invalidParameter(field: "codes", message: "VQ <\(v),\(config.indexBits),\(config.stages)> over [\(rows), \(columns)] needs \(codes) indices, got \(weights.codes.values.count)")
        }
        let stored = weights.metadata.first { $0.name == "codebook" }?.values.count ?? 0
        guard stored == book else {
            throw QuantizationError.invalidParameter(field: "codebook", message: "\(scopes) scope(s) x \(config.stages) stage(s) x \(config.entries) entries x \(v) values need \(book) FP16 values, got \(stored)")
        }
    }

    /// Metadata bits per group: the FP16 scale (MXFP4: E8M0) plus a selector or type.
    var metadataBits: Int {
        weights.metadata.reduce(0) { $0 + $1.bitWidth }
    }
}
