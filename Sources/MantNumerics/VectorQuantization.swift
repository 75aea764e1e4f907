/// Parameters of a vector-quantized format, in VQ-LLM's <v, k, r> notation (Liu et al., HPCA 2025,
/// arXiv 2503.02236, Table II): vectors of v values, codebooks of 2^k entries, r residual stages.
public struct VectorQuantizationConfig: Hashable, Sendable, Codable {
    /// Which values share one codebook.
    public enum Scope: Hashable, Sendable, Codable, CustomStringConvertible {
        case tensor
        /// Square tiles of the [rows, columns] matrix, e.g. 256 x 256.
        case tile(Int)
        /// Runs of this many consecutive rows (output channels).
        case channelGroup(Int)

        public var description: String {
            switch self {
            case .tensor: return "tensor"
            case .tile(let size): return "tile\(size)"
            case .channelGroup(let rows): return "rows\(rows)"
            }
        }

        public init?(_ text: String) {
            if text == "tensor" { self = .tensor; return }
            if text.hasPrefix("tile"), let size = Int(text.dropFirst(4)), size > 0 { self = .tile(size); return }
            if text.hasPrefix("rows"), let rows = Int(text.dropFirst(4)), rows > 0 { self = .channelGroup(rows); return }
            return nil
        }

        public init(from decoder: Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let scope = Scope(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "scope '\(text)': expected tensor, tileN or rowsN"))
            }
            self = scope
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// Which axis a vector runs along.
    public enum Axis: String, Hashable, Sendable, Codable, CaseIterable {
        /// Consecutive values of a row (the reduction axis of a weight; the head dimension of K or V).
        case reduction
        /// The same column of consecutive rows.
        case output
    }

    public var vectorLength: Int
    public var indexBits: Int
    public var stages: Int
    public var scope: Scope
    public var axis: Axis
    public var seed: UInt64
    public var iterations: Int

    public init(vectorLength: Int, indexBits: Int, stages: Int, scope: Scope = .tensor, axis: Axis = .reduction,
                seed: UInt64 = 0x4D41_4E54, iterations: Int = 10) {
        self.vectorLength = vectorLength
        self.indexBits = indexBits
        self.stages = stages
        self.scope = scope
        self.axis = axis
        self.seed = seed
        self.iterations = iterations
    }

    public var entries: Int { 1 << indexBits }

    /// Bytes of one set of codebooks (every stage's entries of v FP16 values), as a decoder stores it.
    public var codebookSetBytes: Int { stages * entries * vectorLength * 2 }

    /// The configurations VQ-LLM evaluates (Table II).
    public static let named: [(name: String, config: VectorQuantizationConfig)] = [
        ("quip4", VectorQuantizationConfig(vectorLength: 8, indexBits: 16, stages: 2)),
        ("aqlm3", VectorQuantizationConfig(vectorLength: 8, indexBits: 12, stages: 2)),
        ("gptvq2", VectorQuantizationConfig(vectorLength: 4, indexBits: 8, stages: 1)),
        ("cq4", VectorQuantizationConfig(vectorLength: 2, indexBits: 8, stages: 1)),
        ("cq2", VectorQuantizationConfig(vectorLength: 4, indexBits: 8, stages: 1)),
    ]

    func validate() throws {
        guard [2, 4, 8].contains(vectorLength) else {
            throw QuantizationError.invalidParameter(field: "vq.vectorLength", message: "expected 2, 4 or 8, got \(vectorLength)")
        }
        guard (4...16).contains(indexBits) else {
            throw QuantizationError.invalidParameter(field: "vq.indexBits", message: "expected 4...16, got \(indexBits)")
        }
        guard stages == 1 || stages == 2 else {
            throw QuantizationError.invalidParameter(field: "vq.stages", message: "expected 1 or 2 residual stages, got \(stages)")
        }
        guard iterations >= 1 else {
            throw QuantizationError.invalidParameter(field: "vq.iterations", message: "expected at least 1, got \(iterations)")
        }
        switch scope {
        case .tensor: break
        case .tile(let size) where size % vectorLength == 0: break
        case .channelGroup(let rows) where axis == .reduction || rows % vectorLength == 0: break
        default:
            throw QuantizationError.invalidParameter(field: "vq.scope",
                                                     message: "\(scope) must hold whole vectors of \(vectorLength) values")
        }
    }
}

/// Vector quantization with trained codebooks, as VQ-LLM runs it on weights and the KV cache.
///
/// Per scope and stage a codebook of 2^k FP16 vectors is trained by seeded k-means on the vectors
/// (stage 2 on the residuals of stage 1), rounded to FP16, and every vector takes its nearest entry
/// (squared distance in binary32, ties to the lowest index). Entries are then reordered by how
/// often they are used, hottest first, so a hardware hot-entry store of n entries is index < n.
/// value = sum over stages of codebook[stage][code] in binary32.
///
/// Storage: codes in vector order, stage-minor, k bits each; the codebooks as FP16 in scope, stage,
/// entry, element order. Vectors are numbered row by row (reduction axis) or block of v rows by
/// column (output axis); the vector axis must divide evenly by v.
public struct VectorQuantizationFormat: QuantizationFormat {
    public var groupMetadataBits: Int { 0 }

    public let config: VectorQuantizationConfig

    public init(config: VectorQuantizationConfig) throws {
        try config.validate()
        self.config = config
    }

    public var descriptor: FormatDescriptor {
        FormatDescriptor(kind: .vq, bits: config.indexBits, granularity: .tensor, vq: config)
    }

    /// Where each vector of a [rows, columns] matrix lives.
    struct VectorLayout {
        let rows: Int
        let columns: Int
        let config: VectorQuantizationConfig

        var vectorCount: Int { rows * columns / config.vectorLength }

        /// Flat indices of the elements of vector `index`.
        @inline(__always)
        func element(_ index: Int, _ offset: Int) -> Int {
            let v = config.vectorLength
            switch config.axis {
            case .reduction: return index * v + offset
            case .output:
                let block = index / columns
                return (block * v + offset) * columns + index % columns
            }
        }

        var scopeCount: Int {
            switch config.scope {
            case .tensor: return 1
            case .tile(let size): return ((rows + size - 1) / size) * ((columns + size - 1) / size)
            case .channelGroup(let group): return (rows + group - 1) / group
            }
        }

        func scope(of index: Int) -> Int {
            let first = element(index, 0)
            let (row, column) = (first / columns, first % columns)
            switch config.scope {
            case .tensor: return 0
            case .tile(let size): return (row / size) * ((columns + size - 1) / size) + column / size
            case .channelGroup(let group): return row / group
            }
        }

        func validate() throws {
            let v = config.vectorLength
            switch config.axis {
            case .reduction where columns % v != 0:
                throw QuantizationError.invalidShape("VQ vectors of \(v) along the last axis need it divisible by \(v), got \(columns)")
            case .output where rows % v != 0:
                throw QuantizationError.invalidShape("VQ vectors of \(v) across rows need the row count divisible by \(v), got \(rows)")
            default: break
            }
        }
    }

    public func quantize(_ tensor: Tensor) throws -> QuantizedTensor {
        try tensor.requireFinite()
        let layout = VectorLayout(rows: tensor.rows, columns: tensor.columns, config: config)
        try layout.validate()
        let v = config.vectorLength, entries = config.entries, stages = config.stages
        var members = [[Int]](repeating: [], count: layout.scopeCount)
        for index in 0..<layout.vectorCount { members[layout.scope(of: index)].append(index) }

        var codes = [UInt32](repeating: 0, count: layout.vectorCount * stages)
        var codebooks = [UInt32](repeating: 0, count: layout.scopeCount * stages * entries * v)
        let trainer = KMeans(dimension: v, entries: entries, iterations: config.iterations)
        for (scope, vectors) in members.enumerated() where !vectors.isEmpty {
            var residual = [Float](repeating: 0, count: vectors.count * v)
            for (slot, index) in vectors.enumerated() {
                for offset in 0..<v { residual[slot * v + offset] = tensor.values[layout.element(index, offset)] }
            }
            for stage in 0..<stages {
                let seed = config.seed &+ UInt64(scope) &* 0x9E37_79B9 &+ UInt64(stage)
                let trained = trainer.train(residual, seed: seed).map { MiniFloat.fp16.round($0) }
                var assignment = [Int](repeating: 0, count: vectors.count)
                trainer.assign(residual, count: vectors.count, centres: trained, into: &assignment)
                let order = VectorQuantizationFormat.hottestFirst(assignment, entries: entries)
                var rank = [Int](repeating: 0, count: entries)
                for (newIndex, oldIndex) in order.enumerated() { rank[oldIndex] = newIndex }
                let bookBase = (scope * stages + stage) * entries * v
                for (newIndex, oldIndex) in order.enumerated() {
                    for offset in 0..<v {
                        codebooks[bookBase + newIndex * v + offset] = UInt32(MiniFloat.fp16.encode(trained[oldIndex * v + offset]))
                    }
                }
                for (slot, index) in vectors.enumerated() {
                    let entry = assignment[slot]
                    codes[index * stages + stage] = UInt32(rank[entry])
                    for offset in 0..<v { residual[slot * v + offset] -= trained[entry * v + offset] }
                }
            }
        }
        return QuantizedTensor(format: descriptor, shape: tensor.shape,
                               codes: BitField(name: "codes", bitWidth: config.indexBits, values: codes),
                               metadata: [BitField(name: "codebook", bitWidth: 16, values: codebooks)])
    }

    /// Entry indices sorted by use count, most used first, ties by index.
    static func hottestFirst(_ assignment: [Int], entries: Int) -> [Int] {
        var uses = [Int](repeating: 0, count: entries)
        for entry in assignment { uses[entry] += 1 }
        return (0..<entries).sorted { uses[$0] != uses[$1] ? uses[$0] > uses[$1] : $0 < $1 }
    }

    public func dequantize(_ quantized: QuantizedTensor) throws -> Tensor {
        try requireOwn(quantized)
        let rows = quantized.shape.dropLast().reduce(1, *), columns = quantized.shape.last ?? 1
        let layout = VectorLayout(rows: rows, columns: columns, config: config)
        try layout.validate()
        let v = config.vectorLength, entries = config.entries, stages = config.stages
        try quantized.expect(codes: layout.vectorCount * stages, width: config.indexBits,
                             fields: [("codebook", layout.scopeCount * stages * entries * v, 16)])
        let book = try quantized.field("codebook").values.map { MiniFloat.fp16.decode(UInt16($0)) }
        var values = [Float](repeating: 0, count: quantized.elementCount)
        for index in 0..<layout.vectorCount {
            let scope = layout.scope(of: index)
            for offset in 0..<v {
                var sum: Float = 0
                for stage in 0..<stages {
                    let entry = Int(quantized.codes.values[index * stages + stage])
                    sum += book[((scope * stages + stage) * entries + entry) * v + offset]
                }
                values[layout.element(index, offset)] = sum
            }
        }
        return try Tensor(shape: quantized.shape, values: values)
    }
}
