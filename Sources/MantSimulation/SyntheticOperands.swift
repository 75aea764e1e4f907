import Foundation
import MantConfig
import MantHardware
import MantNumerics

/// Seeded synthetic operands of workload-sized GEMMs, built from small quantized blocks.
///
/// A weight matrix of N output channels repeats a block of `blockRows` seeded LLM-like channels
/// (the whole K), quantized once in the architecture's format (`GemmOperands.weightRowPeriod`);
/// activations repeat a block of `blockTokens` tokens. The K cache of a head [tokens, head_dim]
/// repeats a block of `blockTokens` tokens the same way; V, read as V^T [head_dim, tokens], is
/// joined from column blocks of whole groups, the last partial block quantized on its own (a
/// shorter last group, as every format here defines it). A VQ-coded V (one set of codebooks per
/// head) is one block of 256 tokens quantized once, its codes repeated along the tokens under the
/// same codebooks. The block sizes set only how much distinct data a job sees: every GEMM still
/// runs in full on the array.
final class SyntheticOperands {
    static let blockRows = 256
    static let blockTokens = 64

    let architecture: ArchitectureConfig
    let seed: UInt64
    /// V's format: the architecture's `kv` format, or the KV engine's M-ANT windows.
    let valueFormat: FormatDescriptor
    private var weightBlocks: [String: QuantizedTensor] = [:]
    private var activationBlocks: [String: Tensor] = [:]
    private var keyBlocks: [Int: QuantizedTensor] = [:]
    private var valueSource: Tensor?
    private var valueBlocks: [Int: QuantizedTensor] = [:]
    private var probabilityBlock: Tensor?
    /// Every weight quantized for the run (each synthetic block once, or the checkpoint's tensors)
    /// against its FP32 value.
    private(set) var weightError = SignalToNoise()

    init(architecture: ArchitectureConfig, seed: UInt64) {
        self.architecture = architecture
        self.seed = seed
        if let engine = architecture.kvEngine {
            valueFormat = FormatDescriptor(kind: .mant, bits: 4, granularity: .group(engine.window))
        } else {
            valueFormat = architecture.valueCacheFormat
        }
    }

    /// A seed per named tensor: the same name and seed always give the same values.
    private func seed(for name: String) -> UInt64 {
        var hash = FNV1a(basis: seed)
        hash.add(name.utf8)
        return hash.value
    }

    /// The stored rows of the named operator's weights [n, k] in the architecture's weight format.
    func weights(_ name: String, n: Int, k: Int) throws -> QuantizedTensor {
        let rows = min(n, SyntheticOperands.blockRows)
        let key = "\(name)/\(rows)/\(k)"
        if let block = weightBlocks[key] { return block }
        let block = try quantizeWeights(try SyntheticTensor.llmLike(rows: rows, columns: k, seed: seed(for: key)))
        weightBlocks[key] = block
        return block
    }

    /// Weights in the architecture's weight format, their error counted in `weightError`.
    func quantizeWeights(_ weights: Tensor) throws -> QuantizedTensor {
        let format = try architecture.weightFormat.makeFormat()
        let quantized = try format.quantize(weights)
        for (x, y) in zip(weights.values, try format.dequantize(quantized).values) { weightError.add(exact: Double(x), approximation: Double(y)) }
        return quantized
    }

    /// An activation block [min(m, blockTokens), k] for the named operator.
    func activations(_ name: String, m: Int, k: Int) throws -> Tensor {
        let rows = min(m, SyntheticOperands.blockTokens)
        let key = "\(name)/\(rows)/\(k)"
        if let block = activationBlocks[key] { return block }
        let block = try SyntheticTensor.llmLike(rows: rows, columns: k, seed: seed(for: "activations/" + key))
        activationBlocks[key] = block
        return block
    }

    /// The stored rows of one KV head's K cache [tokens, headDim] in the KV format.
    func keys(tokens: Int, headDim: Int) throws -> QuantizedTensor {
        let rows = min(tokens, SyntheticOperands.blockTokens)
        let key = rows * 100_003 + headDim
        if let block = keyBlocks[key] { return block }
        let block = try architecture.kvFormat.makeFormat().quantize(
            try SyntheticTensor.llmLike(rows: rows, columns: headDim, seed: seed(for: "keys/\(rows)/\(headDim)")))
        keyBlocks[key] = block
        return block
    }

    /// One KV head's V cache as V^T [headDim, tokens] in the KV format.
    func values(tokens: Int, headDim: Int) throws -> QuantizedTensor {
        let width = valueBlockWidth
        if valueSource?.shape != [headDim, width] {
            valueSource = try SyntheticTensor.llmLike(rows: headDim, columns: width, seed: seed(for: "values/\(headDim)"))
            valueBlocks = [:]
        }
        let format = try valueFormat.makeFormat()
        func block(_ columns: Int) throws -> QuantizedTensor {
            if let cached = valueBlocks[columns] { return cached }
            let source = valueSource!
            var values = [Float]()
            values.reserveCapacity(headDim * columns)
            for row in 0..<headDim { values += source.values[(row * width)..<(row * width + columns)] }
            let quantized = try format.quantize(try Tensor(shape: [headDim, columns], values: values))
            valueBlocks[columns] = quantized
            return quantized
        }
        if valueFormat.vq != nil { return try block(min(tokens, width)).repeatingVQColumns(to: tokens) }
        var parts = try [QuantizedTensor](repeating: block(width), count: tokens / width)
        if tokens % width != 0 { parts.append(try block(tokens % width)) }
        return try QuantizedTensor.joiningColumns(parts)
    }

    /// K and V vectors [tokens, headDim] at unit scale, as the KV engine receives them.
    func tokenStreams(_ tokens: Int, headDim: Int) throws -> (Tensor, Tensor) {
        func stream(_ name: String) throws -> Tensor {
            let tensor = try SyntheticTensor.llmLike(rows: tokens, columns: headDim, seed: seed(for: "\(name)/\(tokens)/\(headDim)"))
            return try Tensor(shape: tensor.shape, values: tensor.values.map { $0 * 50 })
        }
        return (try stream("engine-keys"), try stream("engine-values"))
    }

    /// Softmax-like attention probabilities [min(m, blockTokens), tokens]: positive, each row summing to one.
    func probabilities(m: Int, tokens: Int) throws -> Tensor {
        let rows = min(m, SyntheticOperands.blockTokens)
        if probabilityBlock == nil || probabilityBlock!.shape[0] < rows || probabilityBlock!.shape[1] < tokens {
            let scores = try SyntheticTensor.llmLike(rows: SyntheticOperands.blockTokens, columns: max(tokens, 4096),
                                                     seed: seed(for: "scores"))
            probabilityBlock = scores
        }
        let source = probabilityBlock!, width = source.shape[1]
        var values = [Float]()
        values.reserveCapacity(rows * tokens)
        for row in 0..<rows {
            let scores = source.values[(row * width)..<(row * width + tokens)].map { Double($0) * 50 }
            let top = scores.max() ?? 0
            let weights = scores.map { exp($0 - top) }
            let sum = weights.reduce(0, +)
            values += weights.map { Float($0 / sum) }
        }
        return try Tensor(shape: [rows, tokens], values: values)
    }

    /// V blocks hold whole groups of the KV format and at least 256 tokens.
    private var valueBlockWidth: Int {
        guard case .group(let size) = valueFormat.granularity else { return 256 }
        return size * max(1, (256 + size - 1) / size)
    }
}

extension QuantizedTensor {
    /// A VQ tensor [rows, width] with one set of codebooks and vectors across rows, widened to
    /// `columns`: column c holds the codes of column c % width, read through the same codebooks.
    public func repeatingVQColumns(to columns: Int) throws -> QuantizedTensor {
        guard let config = format.vq, config.axis == .output, config.scope == .tensor else {
            throw QuantizationError.invalidParameter(field: "kv", message: "a VQ V cache has one codebook set per head, vectors across head channels")
        }
        let (rows, width, stages) = (shape[0], shape[1], config.stages)
        var codes = [UInt32]()
        codes.reserveCapacity(rows / config.vectorLength * columns * stages)
        for vectorRow in 0..<(rows / config.vectorLength) {
            for column in 0..<columns {
                let first = (vectorRow * width + column % width) * stages
                codes += self.codes.values[first..<(first + stages)]
            }
        }
        var widened = self
        widened.shape = [rows, columns]
        widened.codes.values = codes
        return widened
    }
}
