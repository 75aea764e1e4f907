/// One KV head's cache as M-ANT's two-stage real-time quantization engine fills it (Hu et al.,
/// HPCA 2025; the seed article's figure 8).
///
/// K path: each new K vector is quantized at once to 4-bit M-ANT in groups of `keyGroup` along the
/// head dimension (the reduction axis of Q*K^T), a chosen per group by the exhaustive 16-candidate
/// search of `MANTFormat`.
///
/// V path: P*V reduces over tokens, so a V group needs `window` tokens. Stage 1 quantizes each new V
/// vector to INT8 with one FP16 scale per token (`ActivationQuantizer`) into a window buffer.
/// Stage 2 runs when the window holds `window` tokens: each channel's `window` INT8 values are
/// dequantized (integer x token scale, binary32) and requantized to 4-bit M-ANT as one group
/// (exhaustive search over the full group's values), giving V^T [head_dim, window]; the window
/// empties. Attention reads the closed windows and the open INT8 window.
public struct TwoStageKVCache: Sendable {
    /// What the engine did, for its cost.
    public struct Activity: Equatable, Sendable, Codable {
        public var keyVectors = 0
        public var valueVectors = 0
        /// Stage-2 requantizations of a full window.
        public var windowFlushes = 0
        /// M-ANT groups searched (each evaluates 16 candidate grids).
        public var keyGroupSearches = 0
        public var valueGroupSearches = 0
        /// Window buffer traffic: INT8 values plus one FP16 scale per token.
        public var windowWriteBits = 0
        public var windowReadBits = 0
        /// Quantized K vectors and closed V windows written to the KV region, codes and metadata.
        public var cacheWriteBits = 0
    }

    public let headDimension: Int
    public let window: Int
    public let keyGroup: Int
    private let keyFormat: MANTFormat
    private let valueFormat: MANTFormat
    private let stageOne: ActivationQuantizer
    private var keyRows: [QuantizedTensor] = []
    private var closedBlocks: [QuantizedTensor] = []
    private var openIntegers: [[Int8]] = []
    private var openScales: [UInt16] = []
    public private(set) var activity = Activity()

    /// `windowCapacity`: tokens the window buffer holds; a window longer than that is refused.
    public init(headDimension: Int, window: Int = 64, keyGroup: Int = 64, windowCapacity: Int = 64) throws {
        guard headDimension > 0 else { throw QuantizationError.invalidParameter(field: "head dimension", message: "must be positive") }
        guard keyGroup > 0, headDimension % keyGroup == 0 else {
            throw QuantizationError.invalidParameter(field: "key group",
                                                     message: "head dimension \(headDimension) is not a multiple of the K group \(keyGroup)")
        }
        guard window > 0 else { throw QuantizationError.invalidParameter(field: "window", message: "must be at least 1 token") }
        guard window <= windowCapacity else {
            throw QuantizationError.invalidParameter(field: "window",
                                                     message: "\(window) tokens do not fit a window buffer of \(windowCapacity) tokens")
        }
        self.headDimension = headDimension
        self.window = window
        self.keyGroup = keyGroup
        keyFormat = try MANTFormat(bits: 4, granularity: .group(keyGroup))
        valueFormat = try MANTFormat(bits: 4, granularity: .group(window))
        stageOne = try ActivationQuantizer(bits: 8)
    }

    public var tokens: Int { keyRows.count }
    public var closedTokens: Int { closedBlocks.count * window }
    public var openTokens: Int { openScales.count }

    /// Quantizes token `tokens`' K and V vectors; a non-finite value is refused before anything changes.
    public mutating func append(key: [Float], value: [Float]) throws {
        for (name, vector) in [("key", key), ("value", value)] {
            guard vector.count == headDimension else {
                throw QuantizationError.invalidShape("token \(tokens): \(name) has \(vector.count) values, the head dimension is \(headDimension)")
            }
            if let channel = vector.firstIndex(where: { !$0.isFinite }) {
                throw QuantizationError.invalidParameter(field: name, message: "token \(tokens), channel \(channel): \(vector[channel]) is not finite")
            }
        }
        keyRows.append(try keyFormat.quantize(try Tensor(shape: [1, headDimension], values: key)))
        activity.keyVectors += 1
        activity.keyGroupSearches += headDimension / keyGroup
        activity.cacheWriteBits += headDimension * 4 + (headDimension / keyGroup) * (16 + MANTFormat.selectorBits)

        let quantized = try stageOne.quantize(try Tensor(shape: [1, headDimension], values: value))
        openIntegers.append(quantized.integers)
        openScales.append(quantized.scaleCodes[0])
        activity.valueVectors += 1
        activity.windowWriteBits += headDimension * 8 + 16
        if openScales.count == window { try closeWindow() }
    }

    /// Stage 2: the full window, channel by channel, requantized to M-ANT.
    private mutating func closeWindow() throws {
        let block = try Tensor(shape: [headDimension, window], values: openValuesTransposed())
        closedBlocks.append(try valueFormat.quantize(block))
        activity.windowFlushes += 1
        activity.valueGroupSearches += headDimension
        activity.windowReadBits += window * (headDimension * 8 + 16)
        activity.cacheWriteBits += headDimension * window * 4 + headDimension * (16 + MANTFormat.selectorBits)
        openIntegers.removeAll()
        openScales.removeAll()
    }

    /// The open window dequantized, as V^T [head_dim, open tokens].
    private func openValuesTransposed() -> [Float] {
        var values = [Float](repeating: 0, count: headDimension * openScales.count)
        for (token, integers) in openIntegers.enumerated() {
            let scale = MiniFloat.fp16.decode(openScales[token])
            for channel in 0..<headDimension { values[channel * openScales.count + token] = Float(integers[channel]) * scale }
        }
        return values
    }

    /// K [tokens, head_dim] in M-ANT, groups along the head dimension.
    public func keys() throws -> QuantizedTensor { try QuantizedTensor.stackingRows(keyRows) }

    /// The closed windows as V^T [head_dim, closed tokens] in M-ANT, groups of `window` tokens; nil before the first.
    public func closedValues() throws -> QuantizedTensor? {
        closedBlocks.isEmpty ? nil : try QuantizedTensor.joiningColumns(closedBlocks)
    }

    /// The open window: INT8 integers per token and their FP16 scale codes.
    public var openValues: (integers: [[Int8]], scaleCodes: [UInt16]) { (openIntegers, openScales) }

    /// Every key as the cache holds it, [tokens, head_dim].
    public func dequantizedKeys() throws -> Tensor { try keyFormat.dequantize(try keys()) }

    /// Every value as the cache holds it, [tokens, head_dim]: closed windows then the open window.
    public func dequantizedValues() throws -> Tensor {
        var transposed = [[Float]](repeating: [], count: headDimension)
        if let closed = try closedValues() {
            let values = try valueFormat.dequantize(closed).values
            for channel in 0..<headDimension { transposed[channel] += values[(channel * closedTokens)..<((channel + 1) * closedTokens)] }
        }
        let open = openValuesTransposed()
        for channel in 0..<headDimension { transposed[channel] += open[(channel * openTokens)..<((channel + 1) * openTokens)] }
        var values = [Float](repeating: 0, count: tokens * headDimension)
        for channel in 0..<headDimension {
            for token in 0..<tokens { values[token * headDimension + channel] = transposed[channel][token] }
        }
        return try Tensor(shape: [tokens, headDimension], values: values)
    }
}
