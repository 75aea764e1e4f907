import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantSimulation

/// VQ-LLM's hot-entry study in hardware: how the VQ array's latency depends on its codebook banks
/// and on a hot-entry store of n_hot entries, per VQ configuration, on LLaMA-7B GEMV and GEMM shapes
/// (weight configurations) and decode-attention shapes over a VQ-coded KV cache (KV configurations).
///
/// Per configuration a seeded LLM-like block is quantized once (codebooks trained by k-means,
/// entries ordered hottest first): weights and K [tokens, head_dim] as a [rows, K] block whose rows
/// the shape's N repeats, V^T [head_dim, tokens] as a [head_dim, 256] block (vectors across head
/// channels) whose columns repeat along the tokens. The decoder sees the block's real index
/// stream; each point runs the full GEMM on the SystemC array in fast fidelity (decode cycles
/// come from every tile's own index stream).
public enum VQStudy {
    /// What the GEMM's coded operand is: weights [N, K], the K cache [tokens, head_dim] (Q*K^T) or
    /// the V cache as V^T [head_dim, tokens] (P*V).
    public enum Operand: String, Sendable, Codable {
        case weights, keys, values
    }

    public struct Shape: Sendable, Codable, Equatable {
        public var name: String
        public var m: Int
        public var k: Int
        public var n: Int
        public var operand: Operand

        public init(name: String, m: Int, k: Int, n: Int, operand: Operand = .weights) {
            (self.name, self.m, self.k, self.n, self.operand) = (name, m, k, n, operand)
        }

        /// LLaMA-7B projections (hidden 4096, intermediate 11008): one decode token and a 256-token prefill chunk.
        public static let llama7B = [
            Shape(name: "gemv q_proj", m: 1, k: 4096, n: 4096),
            Shape(name: "gemv gate_proj", m: 1, k: 4096, n: 11008),
            Shape(name: "gemm q_proj", m: 256, k: 4096, n: 4096),
        ]

        /// One LLaMA-7B head (head_dim 128) decoding over a 2048-token cache: Q*K^T and P*V.
        public static let llama7BAttention = [
            Shape(name: "attention q*k^T", m: 1, k: 128, n: 2048, operand: .keys),
            Shape(name: "attention p*v", m: 1, k: 2048, n: 128, operand: .values),
        ]
    }

    public struct Setup: Sendable {
        /// The array the study varies: its decoder's banks and hot entries are set per point.
        public var base: ArchitectureConfig
        /// Configurations of the weight shapes and of the KV-cache (attention) shapes.
        public var configs = ["gptvq2", "aqlm3"]
        public var kvConfigs = ["cq4", "cq2"]
        public var hotEntries = [0, 16, 64, 256]
        public var banks = [4, 16]
        public var shapes = Shape.llama7B + Shape.llama7BAttention
        /// Weight rows quantized per configuration (codebook training time grows with them).
        public var blockRows = 64
        public var seed: UInt64 = 2025

        public init(base: ArchitectureConfig) { self.base = base }
    }

    public struct Row: Sendable, Codable, Equatable {
        public var config: String
        public var shape: String
        public var m: Int
        public var k: Int
        public var n: Int
        public var banks: Int
        public var hotEntries: Int
        public var totalCycles: UInt64
        /// Cycles the decoder spent on weight tiles, and those cut short by a bank or hot-port conflict.
        public var decoderCycles: UInt64
        public var conflictCycles: UInt64
        /// MACs over PE-cycles: how much of the array the decoder keeps fed.
        public var utilization: Double
        /// Share of lookups the hot-entry store served.
        public var hotHitRate: Double
        /// Latency without a hot-entry store over latency with this one (same config, shape, banks).
        public var speedup: Double
        /// Why the array cannot run this point as configured (cycles and rates are then zero): a
        /// codebook set larger than the codebook SRAM, or more hot entries than the codebook has.
        /// The study never resizes the hardware it measures.
        public var infeasible: String?
    }

    public static func run(_ setup: Setup, progress: ((Int, Int) -> Void)? = nil) throws -> [Row] {
        guard setup.base.array.peType == .vq else {
            throw ConfigError(path: setup.base.name, problems: ["pe: vq-study needs a VQ array, got '\(setup.base.array.peType.rawValue)'"])
        }
        let weightShapes = setup.shapes.filter { $0.operand == .weights }, cacheShapes = setup.shapes.filter { $0.operand != .weights }
        guard !setup.shapes.isEmpty, !setup.banks.isEmpty, !setup.hotEntries.isEmpty,
              weightShapes.isEmpty || !setup.configs.isEmpty, cacheShapes.isEmpty || !setup.kvConfigs.isEmpty else {
            throw QuantizationError.invalidParameter(field: "vq-study", message: "configs (or kv configs, for attention shapes), shapes, banks and hot entries must each name at least one value")
        }
        if let bad = setup.banks.first(where: { $0 < 1 }) {
            throw QuantizationError.invalidParameter(field: "banks", message: "expected at least 1, got \(bad)")
        }
        if let bad = setup.hotEntries.first(where: { $0 < 0 }) {
            throw QuantizationError.invalidParameter(field: "hot", message: "expected 0 or more entries, got \(bad)")
        }
        guard setup.blockRows >= 1 else {
            throw QuantizationError.invalidParameter(field: "rows", message: "expected at least 1 weight row, got \(setup.blockRows)")
        }
        // Each configuration with the shapes it codes.
        var plan = [(name: String, format: FormatDescriptor, shapes: [Shape])]()
        for (names, shapes) in [(setup.configs, weightShapes), (setup.kvConfigs, cacheShapes)] where !shapes.isEmpty {
            for name in names {
                let format = try FormatCatalog.parse(name)
                guard format.vq != nil else { throw QuantizationError.invalidParameter(field: "configs", message: "'\(name)' is not a VQ format") }
                plan.append((name, format, shapes))
            }
        }
        let model = try RTLModel.shared()
        let total = plan.reduce(0) { $0 + $1.shapes.count } * setup.banks.count * setup.hotEntries.count
        var rows = [Row]()
        for (name, format, shapes) in plan {
            var blocks = [String: QuantizedTensor]()
            for shape in shapes {
                let operands = try VQStudy.operands(shape, format: format, blockRows: setup.blockRows, seed: setup.seed, blocks: &blocks)
                for banks in setup.banks {
                    let first = rows.count
                    for hot in setup.hotEntries {
                        var array = setup.base.array
                        (array.codebookBanks, array.hotEntries) = (banks, hot)
                        let problems = ArchitectureConfig.formatProblems(array: array, dataflow: .weightStationary,
                                                                         formats: [(shape.operand == .weights ? "weights" : "kv", format)])
                        guard problems.isEmpty else {
                            rows.append(Row(config: name, shape: shape.name, m: shape.m, k: shape.k, n: shape.n, banks: banks, hotEntries: hot,
                                            totalCycles: 0, decoderCycles: 0, conflictCycles: 0, utilization: 0, hotHitRate: 0, speedup: 0,
                                            infeasible: problems.joined(separator: "; ")))
                            progress?(rows.count, total)
                            continue
                        }
                        let result = try model.run(operands, on: array, dataflow: .weightStationary, fidelity: .fast)
                        rows.append(row(result, config: name, shape: shape, banks: banks, hot: hot, pes: array.rows * array.columns))
                        progress?(rows.count, total)
                    }
                    // Speedups against the same point without a hot store (run when the sweep leaves it out).
                    let feasible = (first..<rows.count).filter { rows[$0].infeasible == nil }
                    guard !feasible.isEmpty else { continue }
                    var reference = rows[first...].first { $0.hotEntries == 0 && $0.infeasible == nil }?.totalCycles
                    if reference == nil {
                        var array = setup.base.array
                        (array.codebookBanks, array.hotEntries) = (banks, 0)
                        reference = try model.run(operands, on: array, dataflow: .weightStationary, fidelity: .fast).totalCycles
                    }
                    for index in feasible { rows[index].speedup = Double(reference!) / Double(rows[index].totalCycles) }
                }
            }
        }
        return rows
    }

    static func row(_ result: GemmResult, config: String, shape: Shape, banks: Int, hot: Int, pes: Int) -> Row {
        let counter = { (name: String) in result.counters[name] ?? 0 }
        let hotBits = Double(counter("decoder.hot_read_bits")), bankBits = Double(counter("decoder.codebook_read_bits"))
        return Row(config: config, shape: shape.name, m: shape.m, k: shape.k, n: shape.n, banks: banks, hotEntries: hot,
                   totalCycles: result.totalCycles, decoderCycles: counter("decoder.cycles"), conflictCycles: counter("decoder.conflict_cycles"),
                   utilization: ArrayActivity.utilization(macs: ArrayActivity.macs(result.counters), processingElements: pes, cycles: result.totalCycles),
                   hotHitRate: hotBits + bankBits > 0 ? hotBits / (hotBits + bankBits) : 0, speedup: 0)
    }

    /// The shape's operands: its coded operand built from a block quantized once per block shape.
    static func operands(_ shape: Shape, format: FormatDescriptor, blockRows: Int, seed: UInt64,
                         blocks: inout [String: QuantizedTensor]) throws -> GemmOperands {
        let activations = try SyntheticTensor.llmLike(rows: min(shape.m, 64), columns: shape.k, seed: seed + 1)
        func block(rows: Int, columns: Int, format: FormatDescriptor) throws -> QuantizedTensor {
            let key = "\(rows)x\(columns)/\(format.vq?.axis.rawValue ?? "")"
            if let cached = blocks[key] { return cached }
            let quantized = try format.makeFormat().quantize(try SyntheticTensor.llmLike(rows: rows, columns: columns, seed: seed))
            blocks[key] = quantized
            return quantized
        }
        guard shape.operand == .values else {
            let coded = try block(rows: min(blockRows, shape.n), columns: shape.k, format: format)
            return try GemmOperands(weights: coded, outputs: shape.n, activationBlock: activations, tokens: shape.m)
        }
        var acrossChannels = format
        acrossChannels.vq?.axis = .output
        let coded = try block(rows: shape.n, columns: min(shape.k, 256), format: acrossChannels).repeatingVQColumns(to: shape.k)
        return try GemmOperands(weights: coded, activationBlock: activations, tokens: shape.m)
    }
}
