import Foundation
import MantConfig
import MantHardware
import MantNumerics

/// VQ-LLM's hot-entry study in hardware: how the VQ array's latency depends on its codebook banks
/// and on a hot-entry store of n_hot entries, per VQ configuration, on LLaMA-7B GEMV and GEMM shapes.
///
/// Per configuration a seeded LLM-like weight block [rows, K] is quantized once (codebooks trained
/// by k-means, entries ordered hottest first); every shape's N output channels repeat the block's
/// rows, so the decoder sees the block's real index stream. Each point runs the full GEMM on the
/// SystemC array in fast fidelity (decode cycles come from every tile's own index stream).
public enum VQStudy {
    public struct Shape: Sendable, Codable, Equatable {
        public var name: String
        public var m: Int
        public var k: Int
        public var n: Int

        public init(name: String, m: Int, k: Int, n: Int) {
            (self.name, self.m, self.k, self.n) = (name, m, k, n)
        }

        /// LLaMA-7B projections (hidden 4096, intermediate 11008): one decode token and a 256-token prefill chunk.
        public static let llama7B = [
            Shape(name: "gemv q_proj", m: 1, k: 4096, n: 4096),
            Shape(name: "gemv gate_proj", m: 1, k: 4096, n: 11008),
            Shape(name: "gemm q_proj", m: 256, k: 4096, n: 4096),
        ]
    }

    public struct Setup: Sendable {
        /// The array the study varies: its decoder's banks and hot entries are set per point.
        public var base: ArchitectureConfig
        public var configs = ["gptvq2", "aqlm3"]
        public var hotEntries = [0, 16, 64, 256]
        public var banks = [4, 16]
        public var shapes = Shape.llama7B
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
        /// Cycles the array waited for the decoder (or the WBUF port) to fill the next tile.
        public var fillStallCycles: UInt64
        /// Share of lookups the hot-entry store served.
        public var hotHitRate: Double
        /// Latency without a hot-entry store over latency with this one (same config, shape, banks).
        public var speedup: Double
    }

    public static func run(_ setup: Setup, progress: ((Int, Int) -> Void)? = nil) throws -> [Row] {
        guard setup.base.array.peType == .vq else {
            throw ConfigError(path: setup.base.name, problems: ["pe: vq-study needs a VQ array, got '\(setup.base.array.peType.rawValue)'"])
        }
        guard !setup.configs.isEmpty, !setup.shapes.isEmpty, !setup.banks.isEmpty, !setup.hotEntries.isEmpty else {
            throw QuantizationError.invalidParameter(field: "vq-study", message: "configs, shapes, banks and hot entries must each name at least one value")
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
        let formats = try setup.configs.map { name -> FormatDescriptor in
            let format = try FormatCatalog.parse(name)
            guard format.vq != nil else { throw QuantizationError.invalidParameter(field: "configs", message: "'\(name)' is not a VQ format") }
            return format
        }
        for format in formats {
            if let bad = setup.hotEntries.first(where: { $0 > format.vq!.entries }) {
                throw QuantizationError.invalidParameter(field: "hot", message: "\(bad) hot entries exceed \(format.name)'s \(format.vq!.entries)")
            }
        }
        let model = try RTLModel()
        let total = formats.count * setup.shapes.count * setup.banks.count * setup.hotEntries.count
        var rows = [Row]()
        for (name, format) in zip(setup.configs, formats) {
            var blocks = [Int: QuantizedTensor]()
            for shape in setup.shapes {
                let blockRows = min(setup.blockRows, shape.n), key = shape.k * 1_000_003 + blockRows
                let block: QuantizedTensor
                if let cached = blocks[key] {
                    block = cached
                } else {
                    let weights = try SyntheticTensor.llmLike(rows: blockRows, columns: shape.k, seed: setup.seed)
                    block = try format.makeFormat().quantize(weights)
                    blocks[key] = block
                }
                let activations = try SyntheticTensor.llmLike(rows: min(shape.m, 64), columns: shape.k, seed: setup.seed + 1)
                let operands = try GemmOperands(weights: block, outputs: shape.n, activationBlock: activations, tokens: shape.m)
                let vq = format.vq!
                var array = setup.base.array
                array.codebookBytes = max(array.codebookBytes, 2 * vq.stages * vq.entries * vq.vectorLength * 2)
                for banks in setup.banks {
                    array.codebookBanks = banks
                    let first = rows.count
                    for hot in setup.hotEntries {
                        array.hotEntries = hot
                        let result = try model.run(operands, on: array, dataflow: .weightStationary, fidelity: .fast)
                        let counter = { (name: String) in result.counters[name] ?? 0 }
                        let hotBits = Double(counter("decoder.hot_read_bits")), bankBits = Double(counter("decoder.codebook_read_bits"))
                        rows.append(Row(config: name, shape: shape.name, m: shape.m, k: shape.k, n: shape.n, banks: banks, hotEntries: hot,
                                        totalCycles: result.totalCycles, decoderCycles: counter("decoder.cycles"),
                                        conflictCycles: counter("decoder.conflict_cycles"),
                                        fillStallCycles: counter("controller.buffer_stall_cycles"),
                                        hotHitRate: hotBits + bankBits > 0 ? hotBits / (hotBits + bankBits) : 0, speedup: 0))
                        progress?(rows.count, total)
                    }
                    // Speedups against the same point without a hot store (run when the sweep leaves it out).
                    var reference = rows[first...].first { $0.hotEntries == 0 }?.totalCycles
                    if reference == nil {
                        array.hotEntries = 0
                        reference = try model.run(operands, on: array, dataflow: .weightStationary, fidelity: .fast).totalCycles
                    }
                    for index in first..<rows.count { rows[index].speedup = Double(reference!) / Double(rows[index].totalCycles) }
                }
            }
        }
        return rows
    }
}
