import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantWorkload

/// One decode step's attention for one layer, computed on the SystemC model: the KV cache built
/// token by token (by the two-stage KV engine where the architecture has one; otherwise in its
/// `kv` format),
/// Q*K^T on the array, softmax on the vector unit, P*V on the array, every output value compared
/// with attention over the FP32 cache.
///
/// Per KV head: K and V streams [context, head_dim] are seeded LLM-like values at unit scale
/// (as `KVStudy`), the new token last; the head's query heads (heads / kvHeads of them) form M.
/// Scores are scaled by fp32(1/sqrt(d)); softmax follows `AttentionReference`. On the M-ANT array,
/// P*V runs over the closed V windows; the open INT8 window (fewer than W tokens) is multiplied on
/// the vector unit in binary32, o += p_t * (v_t x s_t) in token order, and added to the array's
/// result. Batch sequences run the same step on their own caches: cycles and counters scale by the
/// batch; the values are those of one sequence. One KV engine per layer works beside the array;
/// its cycles count toward the step only where they exceed the array's and vector unit's.
public struct AttentionStep {
    public struct Part: Sendable, Codable, Equatable {
        public var name: String
        public var unit: String
        public var cycles: UInt64
        public var counters: [String: UInt64]
    }

    public struct Report: Sendable, Codable, Equatable {
        public var architecture: String
        public var model: String
        public var context: Int
        public var batch: Int
        public var kvFormat: String
        /// Per part, summed over KV heads and the batch.
        public var parts: [Part]
        public var cycles: UInt64
        public var latencySeconds: Double
        public var energy: [String: Double]
        /// Attention output against the FP32 cache, over every value of every head.
        public var sqnrDecibels: Double?
        /// KV engine cycles of the step's new token (with a window flush when it closes one), and
        /// of the worst step (one that closes a window), per KV head.
        public var engineStepCycles: UInt64?
        public var engineWorstStepCycles: UInt64?
        /// The engine's cycles for the step (all KV heads and the batch), against the array and
        /// vector unit's: the engine is hidden when it needs no more than they do.
        public var engineCycles: UInt64
        public var attentionCycles: UInt64
    }

    public let architecture: ArchitectureConfig
    public let energy: EnergyTable
    let rtl: RTLModel

    public init(architecture: ArchitectureConfig, energy: EnergyTable, rtl: RTLModel) {
        self.architecture = architecture
        self.energy = energy
        self.rtl = rtl
    }

    public func run(model: ModelConfig, context: Int, batch: Int = 1, seed: UInt64 = 2025,
                    progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        let engineConfig = try checkedEngine(model: model, context: context, batch: batch)
        let engineMode = architecture.kvEngine != nil
        let d = model.headDimension
        let group = model.heads / model.kvHeads
        let vector = VectorUnit(config: architecture.vector, array: architecture.array)
        var parts = [String: Part]()
        var order = [String]()
        func add(_ name: String, _ unit: String, _ result: GemmResult) {
            let scaled = result.counters.mapValues { $0 * UInt64(batch) }
            if parts[name] == nil { parts[name] = Part(name: name, unit: unit, cycles: 0, counters: [:]); order.append(name) }
            parts[name]!.cycles += result.totalCycles * UInt64(batch)
            parts[name]!.counters.merge(scaled, uniquingKeysWith: +)
        }
        var ratio = SignalToNoise()
        var stepCycles: UInt64?, worstCycles: UInt64?
        let streams = { (tokens: Int) in
            let stream = try unitStream(tokens, engineConfig.headDimension, seed: 7)
            return (stream, stream)
        }
        let engineStep = engineMode ? try AttentionMapping.tokenCost(rtl, config: engineConfig, closesWindow: context % engineConfig.window == 0,
                                                                     streams: streams).counters : [:]
        if engineMode { worstCycles = try AttentionMapping.tokenCost(rtl, config: engineConfig, closesWindow: true, streams: streams).cycles }
        for head in 0..<model.kvHeads {
            let keys = try unitStream(context, d, seed: seed &+ UInt64(3 * head))
            let values = try unitStream(context, d, seed: seed &+ UInt64(3 * head + 1))
            let queries = try unitStream(group, d, seed: seed &+ 1000 &+ UInt64(head))
            let reference = try AttentionReference.attend(queries: queries, keys: keys, values: values)

            // The cache as the array reads it.
            let cachedKeys: QuantizedTensor, closedValues: QuantizedTensor?, openValues: [Float], openTokens: Int
            if engineMode {
                let engine = try rtl.runKVEngine(keys: keys, values: values, config: engineConfig)
                // The step's own work: the new token, flushing a window when it closes one.
                stepCycles = engine.lastTokenCycles
                add("kv_engine", "kv engine", GemmResult(output: [], totalCycles: engine.lastTokenCycles, computeCycles: engine.lastTokenCycles,
                                                         stallCycles: 0, counters: engineStep))
                (cachedKeys, closedValues) = (engine.keys, engine.closedValues)
                openTokens = engine.openIntegers.count
                openValues = engine.openIntegers.enumerated().flatMap { token, integers in
                    integers.map { Float($0) * MiniFloat.fp16.decode(engine.openScaleCodes[token]) }
                }
            } else {
                cachedKeys = try architecture.kvFormat.makeFormat().quantize(keys)
                closedValues = try architecture.valueCacheFormat.makeFormat().quantize(try values.transposed())
                (openValues, openTokens) = ([], 0)
            }

            // Q*K^T on the array, scaled, softmax on the vector unit.
            let scoreJob = try GemmOperands(weights: cachedKeys, activations: queries, activationBits: architecture.activationBits)
            let scores = try rtl.run(scoreJob, on: architecture.array(running: scoreJob, attention: true), dataflow: architecture.dataflow)
            add("attention_scores", "array", scores)
            add("softmax", "vector", try vector.run(.softmax, rows: group, columns: context))
            let probabilities = softmax(scores.output, rows: group, columns: context, scale: Float(1 / Double(d).squareRoot()))

            // P*V: closed windows on the array, the open window on the vector unit.
            let closed = AttentionMapping.closedTokens(context: context, engine: engineMode ? engineConfig : nil)
            precondition(closed == context - openTokens, "the engine's open window is the mapping's")
            var output = [Float](repeating: 0, count: group * d)
            if let closedValues, closed > 0 {
                let p = try Tensor(shape: [group, closed], values: (0..<group).flatMap { probabilities[($0 * context)..<($0 * context + closed)] })
                let job = try GemmOperands(weights: closedValues, activations: p, activationBits: architecture.activationBits)
                let result = try rtl.run(job, on: architecture.array(running: job, attention: true), dataflow: architecture.dataflow)
                add("attention_values", "array", result)
                output = result.output
            }
            if openTokens > 0 {
                addOpenWindow(openValues, tokens: openTokens, probabilities: probabilities, from: closed, to: &output, rows: group, columns: context)
                add("open_window_values", "vector", vector.openWindow(rows: group, tokens: openTokens, channels: d))
            }
            for (a, b) in zip(output, reference.values) { ratio.add(exact: Double(b), approximation: Double(a)) }
            progress?(head + 1, model.kvHeads)
        }
        let kvFormat = engineMode ? "mant4 two-stage (K group \(engineConfig.keyGroup), V window \(engineConfig.window))" : architecture.kvFormat.name
        return try report(order.map { parts[$0]! }, model: model, context: context, batch: batch, kvFormat: kvFormat,
                          sqnr: ratio.decibels, engineStepCycles: stepCycles, engineWorstStepCycles: worstCycles)
    }

    /// The KV engine's configuration for the model (its default when the architecture has none),
    /// after every problem with the request is named at once.
    private func checkedEngine(model: ModelConfig, context: Int, batch: Int) throws -> KVEngineConfig {
        var problems = [String]()
        if context < 1 { problems.append("context: at least 1 token (the new one), got \(context)") }
        if batch < 1 { problems.append("batch: at least 1, got \(batch)") }
        if context > model.maxPositions { problems.append("context: \(context) exceeds \(model.name)'s max_position_embeddings \(model.maxPositions)") }
        let d = model.headDimension
        var engineConfig = architecture.kvEngine ?? KVEngineConfig(headDimension: d)
        engineConfig.headDimension = d
        if architecture.kvEngine != nil && d % engineConfig.keyGroup != 0 {
            problems.append("head dimension \(d): the KV engine's K groups of \(engineConfig.keyGroup) must divide it")
        }
        if !problems.isEmpty { throw WorkloadError(problems: problems) }
        return engineConfig
    }

    /// The step's parts with their cycles counted, its latency and its energy.
    private func report(_ parts: [Part], model: ModelConfig, context: Int, batch: Int, kvFormat: String, sqnr: Double?,
                        engineStepCycles stepCycles: UInt64?, engineWorstStepCycles worstCycles: UInt64?) throws -> Report {
        var all = parts
        for index in all.indices {
            var counters = all[index].counters
            counters["controller.cycles"] = all[index].cycles
            all[index].counters = counters
        }
        // One engine serves the layer's KV heads while the array and vector unit work through the
        // heads' attention; only engine work beyond that lengthens the step.
        let engineCycles = all.filter { $0.unit == "kv engine" }.reduce(0) { $0 + $1.cycles }
        let attentionCycles = all.filter { $0.unit != "kv engine" }.reduce(0) { $0 + $1.cycles }
        let excess = AttentionMapping.excess(engineCycles: engineCycles, besideCycles: attentionCycles)
        let cycles = attentionCycles + excess
        // Leakage runs over the step's cycles once: engine cycles overlap the others'.
        var energy = [String: Double]()
        let processingElements = architecture.leakingPEs
        let table = self.energy.priced(for: architecture, headDimension: model.headDimension)
        for part in all {
            let partEnergy = try table.energy(counters: part.counters, cycles: part.unit == "kv engine" ? 0 : part.cycles,
                                                    processingElements: processingElements, dram: architecture.dramTechnology,
                                              timing: architecture.array.dramTiming)
            energy.merge(partEnergy.picojoules, uniquingKeysWith: +)
        }
        energy.merge(try AttentionMapping.excessEnergy(excess, architecture: architecture, priced: table), uniquingKeysWith: +)
        return Report(architecture: architecture.name, model: model.name, context: context, batch: batch,
                      kvFormat: kvFormat, parts: all,
                      cycles: cycles, latencySeconds: Double(cycles) / (architecture.clockMHz * 1e6), energy: energy,
                      sqnrDecibels: sqnr, engineStepCycles: stepCycles,
                      engineWorstStepCycles: worstCycles, engineCycles: engineCycles, attentionCycles: attentionCycles)
    }

    /// The open window's P*V on the vector unit in binary32: per query row, o += p_t * v_t in token
    /// order, then added to the array's result.
    func addOpenWindow(_ values: [Float], tokens: Int, probabilities: [Float], from closed: Int, to output: inout [Float], rows: Int, columns: Int) {
        let d = values.count / tokens
        for row in 0..<rows {
            var partial = [Float](repeating: 0, count: d)
            for token in 0..<tokens {
                let p = probabilities[row * columns + closed + token]
                for channel in 0..<d { partial[channel] = partial[channel] + p * values[token * d + channel] }
            }
            for channel in 0..<d { output[row * d + channel] = output[row * d + channel] + partial[channel] }
        }
    }

    /// Row-wise softmax of scaled scores, as `AttentionReference` computes it.
    func softmax(_ scores: [Float], rows: Int, columns: Int, scale: Float) -> [Float] {
        var result = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            var largest = -Float.infinity
            for column in 0..<columns { largest = max(largest, scores[row * columns + column] * scale) }
            var sum: Float = 0
            for column in 0..<columns {
                let e = Float(exp(Double(scores[row * columns + column] * scale - largest)))
                result[row * columns + column] = e
                sum = sum + e
            }
            for column in 0..<columns { result[row * columns + column] = result[row * columns + column] / sum }
        }
        return result
    }

    func unitStream(_ rows: Int, _ columns: Int, seed: UInt64) throws -> Tensor {
        let tensor = try SyntheticTensor.llmLike(rows: rows, columns: columns, seed: seed)
        return try Tensor(shape: tensor.shape, values: tensor.values.map { $0 * 50 })
    }
}
