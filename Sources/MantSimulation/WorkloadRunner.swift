import MantConfig
import MantHardware
import MantNumerics
import MantWorkload

/// Real weights by checkpoint tensor name: a safetensors file, say.
public protocol WeightSource {
    /// Where the weights come from, for messages.
    var label: String { get }
    /// The tensor of that name, or nil when the source has none.
    func tensor(named name: String) throws -> Tensor?
}

/// Runs the operators of a workload through the SystemC array (and the vector unit) on one
/// architecture, and prices the counters with an energy table.
///
/// Each distinct operator shape is simulated once and its cycles and counters multiplied by its
/// instances: the layers of a model are the same shapes with the same (synthetic) data, and every
/// decode step runs the same projections. Attention is simulated at every decode step, since the
/// context grows. Operators run one after another on the array.
public final class WorkloadRunner {
    public let architecture: ArchitectureConfig
    public let energy: EnergyTable
    let rtl: RTLModel
    /// Called after each simulation with (done, total).
    public var progress: ((Int, Int) -> Void)?
    /// Whether a run measures its formats' accuracy (every command does; a test of timing alone
    /// may skip it).
    public var measuresAccuracy = true

    public init(architecture: ArchitectureConfig, energy: EnergyTable, rtl: RTLModel) throws {
        self.architecture = architecture
        self.energy = energy
        self.rtl = rtl
        guard energy.dramRead[architecture.dramTechnology] != nil else {
            throw ConfigError(path: "energy table (\(energy.nodeNanometres) nm)",
                              problems: ["dram.\(architecture.dramTechnology): missing; \(architecture.name) uses it"])
        }
    }

    private struct ShapeKey: Hashable {
        var name: String, m: Int, k: Int, n: Int
        /// The layer whose real weights the operator uses; -1 for synthetic weights, shared by all.
        var layer = -1
    }

    /// The layers an array operator is simulated for: each one with real weights, else one for all.
    private static func layers(of op: Operation, _ request: WorkloadRequest) -> [Int] {
        guard request.weights != nil, op.unit == .array else { return [-1] }
        return op.name == "lm_head" ? [0] : Array(0..<request.model.layers)
    }

    /// Real weights of every array operator, checked before anything runs: each tensor present
    /// with the [out, in] shape the model's config implies. Problems are reported all at once.
    private func loadWeights(_ request: WorkloadRequest, operators: [Operation]) throws -> [String: Tensor] {
        guard let source = request.weights else { return [:] }
        var result = [String: Tensor](), problems = [String]()
        var seen = Set<String>()
        for op in operators where op.unit == .array && seen.insert(op.name).inserted {
            for layer in WorkloadRunner.layers(of: op, request) {
                let names = request.model.checkpointNames(of: op, layer: layer)
                guard let (name, tensor) = try names.lazy.compactMap({ name in try source.tensor(named: name).map { (name, $0) } }).first else {
                    problems.append("\(source.label): \(names.joined(separator: " or ")): missing")
                    continue
                }
                guard tensor.shape == [op.n, op.k] else {
                    problems.append("\(source.label): \(name): shape \(tensor.shape), but \(request.model.name) implies [\(op.n), \(op.k)]")
                    continue
                }
                result["\(op.name)/\(layer)"] = tensor
            }
        }
        if !problems.isEmpty { throw WorkloadError(problems: problems) }
        return result
    }

    /// The operators of each phase, every decode step listed with its own context.
    static func schedule(_ request: WorkloadRequest) -> [(Phase, [Operation])] {
        request.phases.map { phase in
            switch phase {
            case .prefill:
                return (phase, request.model.operations(.prefill, batch: request.batch, length: request.promptLength))
            case .decode:
                return (phase, (0..<request.generatedTokens).flatMap { step in
                    request.model.operations(.decode, batch: request.batch, length: request.promptLength + step + 1)
                })
            }
        }
    }

    /// The array operators `check` plans: every distinct projection shape and, of the attention
    /// operators, whose decode steps differ only in context length, the shortest and the longest
    /// context of each phase (what the buffers must hold does not shrink as the context grows).
    static func shapesToPlan(_ request: WorkloadRequest) -> [Operation] {
        var planned = Set<ShapeKey>(), result = [Operation]()
        for (_, operations) in schedule(request) {
            var attention = [String: (shortest: Operation, longest: Operation)]()
            for op in operations where op.unit != .vector {
                guard op.unit == .arrayKV else {
                    if planned.insert(ShapeKey(name: op.name, m: op.m, k: op.k, n: op.n)).inserted { result.append(op) }
                    continue
                }
                let size = { (op: Operation) in op.m * op.k * op.n }
                let seen = attention[op.name] ?? (op, op)
                attention[op.name] = (size(op) < size(seen.shortest) ? op : seen.shortest, size(op) > size(seen.longest) ? op : seen.longest)
            }
            for name in attention.keys.sorted() {
                for op in [attention[name]!.shortest, attention[name]!.longest]
                where planned.insert(ShapeKey(name: op.name, m: op.m, k: op.k, n: op.n)).inserted { result.append(op) }
            }
        }
        return result
    }

    /// Every problem with running `request` on this architecture, found before anything runs and
    /// reported at once: the request, the KV engine against the model, the formats against the
    /// array, and the array operators against the buffers (the mapper plans each of
    /// `shapesToPlan` without running it, on synthetic operands of the operator's shape and formats).
    public func check(_ request: WorkloadRequest) throws {
        try check(request, operands: operands(seed: request.seed))
    }

    /// The synthetic operands of a seed, kept so that a check and the run after it quantize each
    /// block once.
    private var operandsBySeed = [UInt64: SyntheticOperands]()

    private func operands(seed: UInt64) -> SyntheticOperands {
        if let operands = operandsBySeed[seed] { return operands }
        let operands = SyntheticOperands(architecture: architecture, seed: seed)
        operandsBySeed[seed] = operands
        return operands
    }

    /// The part of `check` that needs no operands (no quantization, no mapping): the request, the
    /// KV engine against the model, the formats against the array. Cheap enough for every point of
    /// a sweep before any runs; the mapper's checks come when the point runs.
    public func checkWithoutMapping(_ request: WorkloadRequest) throws {
        var problems = [String]()
        do { try request.validate() } catch let error as WorkloadError { problems += error.problems }
        if let engine = architecture.kvEngine, request.model.headDimension % engine.keyGroup != 0 {
            problems.append("\(request.model.name): head dimension \(request.model.headDimension) is not a multiple of "
                + "\(architecture.label)'s KV-engine K group \(engine.keyGroup)")
        }
        problems += architecture.formatProblems.map { "\(architecture.label): \($0)" }
        if !problems.isEmpty { throw WorkloadError(problems: problems) }
    }

    /// `check` with the operands the run then reuses (their quantized blocks are cached).
    private func check(_ request: WorkloadRequest, operands: SyntheticOperands) throws {
        try checkWithoutMapping(request)
        var problems = [String]()
        var failed = [String: (first: String, more: Int)](), order = [String]()
        for op in WorkloadRunner.shapesToPlan(request) {
            guard let job = try arrayJob(op, operands: operands).array else { continue }
            do {
                _ = try rtl.plan(job, on: arrayConfig(for: op, job), dataflow: architecture.dataflow)
            } catch let error as RTLError {
                if let seen = failed[op.name] {
                    failed[op.name] = (seen.first, seen.more + 1)
                } else {
                    failed[op.name] = ("\(op.name) (M=\(op.m) K=\(op.k) N=\(op.n)) cannot map onto \(architecture.label): \(error.message)", 0)
                    order.append(op.name)
                }
            }
        }
        problems = order.map { name in
            let (first, more) = failed[name]!
            return first + (more > 0 ? " (and \(more) more \(name) shape\(more == 1 ? "" : "s"))" : "")
        }
        if !problems.isEmpty { throw WorkloadError(problems: problems) }
    }

    public func run(_ request: WorkloadRequest) throws -> RunResult {
        let operands = operands(seed: request.seed)
        defer { operandsBySeed[request.seed] = nil }
        try check(request, operands: operands)
        let schedule = WorkloadRunner.schedule(request)
        let table = energy.priced(for: architecture, headDimension: request.model.headDimension)
        let weights = try loadWeights(request, operators: schedule.flatMap(\.1))
        var distinct = Set<ShapeKey>()
        for (_, operations) in schedule {
            for op in operations where op.unit != .vector {
                for layer in WorkloadRunner.layers(of: op, request) { distinct.insert(ShapeKey(name: op.name, m: op.m, k: op.k, n: op.n, layer: layer)) }
            }
        }
        let total = distinct.count
        var simulated = [ShapeKey: GemmResult]()
        let processingElements = architecture.leakingPEs
        var phases = [PhaseResult]()
        for (phase, operations) in schedule {
            var results = try operatorResults(operations, request: request, table: table, weights: weights, operands: operands,
                                              simulated: &simulated, total: total)
            var cycles = results.reduce(0) { $0 + $1.cycles }
            if let engine = architecture.kvEngine {
                // One engine per layer works beside the array (AttentionMapping).
                let part = try engineWork(engine, phase: phase, request: request, operands: operands)
                let excess = AttentionMapping.excess(engineCycles: part.cycles, besideCycles: cycles)
                if excess > 0 {
                    cycles += excess
                    results.append(OperationResult(name: "kv_engine_excess", unit: "kvEngine", m: 0, k: 0, n: 0, instances: 1, cycles: excess,
                                                   macs: 0, dramReadBits: 0, dramWriteBits: 0,
                                                   energy: try AttentionMapping.excessEnergy(excess, architecture: architecture, priced: table),
                                                   counters: [:]))
                }
                var overlapped = part
                overlapped.cycles = 0
                results.append(overlapped)
            }
            let latency = Double(cycles) / (architecture.clockMHz * 1e6)
            let tokens = request.batch * (phase == .prefill ? request.promptLength : request.generatedTokens)
            var energy = [String: Double]()
            for result in results { energy.merge(result.energy, uniquingKeysWith: +) }
            let macs = results.reduce(0) { $0 + $1.macs }
            phases.append(PhaseResult(
                phase: phase, tokens: tokens, cycles: cycles, latencySeconds: latency,
                tokensPerSecond: latency > 0 ? Double(tokens) / latency : 0,
                utilization: ArrayActivity.utilization(macs: macs, processingElements: processingElements, cycles: cycles),
                dramReadBits: results.reduce(0) { $0 + $1.dramReadBits }, dramWriteBits: results.reduce(0) { $0 + $1.dramWriteBits },
                energy: energy, totalEnergy: EnergyBreakdown.total(energy), operations: results))
        }
        let array = architecture.array
        return RunResult(architecture: architecture.name, pe: array.peType.rawValue, array: "\(array.rows)x\(array.columns)",
                         clockMHz: architecture.clockMHz, weightFormat: architecture.weightFormat.name,
                         kvFormat: architecture.kvFormat.name, activationBits: array.peType.multipliesFP16 ? 16 : architecture.activationBits,
                         dataflow: architecture.dataflow.rawValue, dram: architecture.dramTechnology, model: request.model.name,
                         batch: request.batch, promptLength: request.promptLength,
                         generatedTokens: request.phases.contains(.decode) ? request.generatedTokens : 0,
                         energyNodeNanometres: energy.nodeNanometres, fidelity: request.fidelity.rawValue, seed: request.seed,
                         area: energy.areas.isEmpty ? [:] : try AreaModel(table: energy).area(of: architecture, headDimension: request.model.headDimension),
                         phases: phases, accuracy: measuresAccuracy ? try accuracy(request, operands: operands) : nil,
                         attentionUnit: architecture.attentionUnit.map { "\($0.rows)x\($0.columns) \($0.peType.rawValue)" },
                         dramEnergy: WorkloadRunner.dramEnergy(of: architecture, table: energy))
    }

    /// How the run's DRAM energy is priced, in words for reports.
    static func dramEnergy(of architecture: ArchitectureConfig, table: EnergyTable) -> String {
        let technology = architecture.dramTechnology
        if let timing = architecture.array.dramTiming, let part = try? DRAMParts.part(technology) {
            return "\(timing.standard) x\(timing.channels): activations, read/write bursts, refresh and standby time from the part's currents "
                + "(\(part.path.split(separator: "/").suffix(3).joined(separator: "/")))"
        }
        let read = table.dramRead[technology].map { String(format: "%g", $0.picojoules) } ?? "?"
        let write = table.dramWrite[technology].map { String(format: "%g", $0.picojoules) } ?? "?"
        return "\(technology), ideal interface: \(read) pJ per bit read, \(write) written (energy table; `--dram \(technology)x4` prices commands instead)"
    }

    /// The run's formats in accuracy terms: its weights' SQNR, and its KV cache's attention SQNR at
    /// the longest context the run reaches.
    private func accuracy(_ request: WorkloadRequest, operands: SyntheticOperands) throws -> Accuracy {
        let context = request.promptLength + (request.phases.contains(.decode) ? request.generatedTokens : 0)
        let measure = KVCacheAccuracy(headDimension: request.model.headDimension, seed: request.seed)
        return Accuracy(weightSQNR: operands.weightError.decibels, weights: request.weights?.label ?? "synthetic",
                        kvAttentionSQNR: try measure.attentionSQNR(of: architecture, context: context), kvContext: context)
    }

    /// One phase's operators, each distinct shape simulated once (cached in `simulated`) and
    /// multiplied by its instances, priced with `table`; one result per operator name, in order.
    private func operatorResults(_ operations: [Operation], request: WorkloadRequest, table: EnergyTable, weights: [String: Tensor],
                                 operands: SyntheticOperands, simulated: inout [ShapeKey: GemmResult], total: Int) throws -> [OperationResult] {
        let vectorUnit = VectorUnit(config: architecture.vector, array: architecture.array)
        let processingElements = architecture.leakingPEs
        var byName = [String: OperationResult]()
        var order = [String]()
        for op in operations {
            let layers = WorkloadRunner.layers(of: op, request)
            for layer in layers {
                let key = ShapeKey(name: op.name, m: op.m, k: op.k, n: op.n, layer: layer)
                let one: GemmResult
                if let kernel = request.model.vectorKernel(of: op) {
                    one = try vectorUnit.run(kernel, rows: op.m, columns: op.n)
                } else if let cached = simulated[key] {
                    one = cached
                } else {
                    one = try simulate(op, operands: operands, fidelity: request.fidelity, realWeights: weights["\(op.name)/\(layer)"])
                    simulated[key] = one
                    progress?(simulated.count, total)
                }
                let instances = UInt64(op.repeats / layers.count)
                var counters = one.counters.mapValues { $0 * instances }
                counters["controller.cycles"] = one.totalCycles * instances
                let cycles = one.totalCycles * instances
                let energy = try table.energy(counters: counters, cycles: cycles, processingElements: processingElements,
                                              dram: architecture.dramTechnology,
                                              timing: architecture.array.dramTiming).picojoules
                let macs = ArrayActivity.macs(counters)
                let part = OperationResult(name: op.name, unit: op.unit.rawValue, m: op.m, k: op.k, n: op.n, instances: Int(instances),
                                           cycles: cycles, macs: macs, dramReadBits: counters["dram.read_bits"] ?? 0,
                                           dramWriteBits: counters["dram.write_bits"] ?? 0, energy: energy, counters: counters,
                                           mapping: one.mapping)
                if var existing = byName[op.name] {
                    existing.merge(part)
                    byName[op.name] = existing
                } else {
                    byName[op.name] = part
                    order.append(op.name)
                }
            }
        }
        return order.map { byName[$0]! }
    }

    /// The array job of one operator instance, and the part the vector unit takes (the open INT8
    /// window of P*V under the KV engine); no array job when the vector unit takes it all.
    private func arrayJob(_ op: Operation, operands: SyntheticOperands, realWeights: Tensor? = nil) throws
        -> (array: GemmOperands?, vector: GemmResult?) {
        let bits = architecture.activationBits
        switch (op.unit, op.name) {
        case (.arrayKV, "attention_scores"):
            let keys = try operands.keys(tokens: op.n, headDim: op.k)
            return (try GemmOperands(weights: keys, outputs: op.n, activationBlock: try operands.activations("query", m: op.m, k: op.k),
                                     tokens: op.m, activationBits: bits), nil)
        case (.arrayKV, _):
            // With the KV engine, the array reads the closed M-ANT windows and the vector unit the open INT8 window.
            let closed = AttentionMapping.closedTokens(context: op.k, engine: architecture.kvEngine)
            let vector = VectorUnit(config: architecture.vector, array: architecture.array)
            let open = op.k > closed ? vector.openWindow(rows: op.m, tokens: op.k - closed, channels: op.n) : nil
            guard closed > 0 else { return (nil, open) }
            let values = try operands.values(tokens: closed, headDim: op.n)
            return (try GemmOperands(weights: values, activationBlock: try operands.probabilities(m: op.m, tokens: closed),
                                     tokens: op.m, activationBits: bits), open)
        default:
            let weights = try realWeights.map { try operands.quantizeWeights($0) } ?? operands.weights(op.name, n: op.n, k: op.k)
            return (try GemmOperands(weights: weights, outputs: op.n, activationBlock: try operands.activations(op.name, m: op.m, k: op.k),
                                     tokens: op.m, activationBits: bits), nil)
        }
    }

    /// One instance of an array operator on the SystemC model.
    private func simulate(_ op: Operation, operands: SyntheticOperands, fidelity: Fidelity, realWeights: Tensor? = nil) throws -> GemmResult {
        let (job, open) = try arrayJob(op, operands: operands, realWeights: realWeights)
        guard let job else { return open! }
        let array = try runArray(job, op: op, fidelity: fidelity)
        guard let open else { return array }
        return GemmResult(output: [], totalCycles: array.totalCycles + open.totalCycles, computeCycles: array.computeCycles + open.computeCycles,
                          stallCycles: array.stallCycles, counters: array.counters.merging(open.counters, uniquingKeysWith: +))
    }

    /// The array an operator's job runs on: attention on the attention unit when there is one.
    private func arrayConfig(for op: Operation, _ job: GemmOperands) -> ArrayConfig {
        architecture.array(running: job, attention: op.unit == .arrayKV)
    }

    private func runArray(_ job: GemmOperands, op: Operation, fidelity: Fidelity) throws -> GemmResult {
        do {
            return try rtl.run(job, on: arrayConfig(for: op, job), dataflow: architecture.dataflow, fidelity: fidelity)
        } catch let error as RTLError {
            throw WorkloadError(problems: ["\(op.name) (M=\(op.m) K=\(op.k) N=\(op.n)) cannot map onto \(architecture.label): \(error.message)"])
        }
    }

    /// The KV engine's work in a phase: prefill quantizes the prompt per KV head, layer and
    /// sequence; each decode step one token each, with a window flush at every 64th (window) token.
    private func engineWork(_ base: KVEngineConfig, phase: Phase, request: WorkloadRequest,
                            operands: SyntheticOperands) throws -> OperationResult {
        var config = base
        config.headDimension = request.model.headDimension
        let instances = UInt64(request.model.layers * request.model.kvHeads * request.batch)
        var counters = [String: UInt64]()
        var cycles: UInt64 = 0
        func add(_ cost: (cycles: UInt64, counters: [String: UInt64]), times: UInt64) {
            cycles += cost.cycles * times * instances
            counters.merge(cost.counters.mapValues { $0 * times * instances }, uniquingKeysWith: +)
        }
        let streams = { (tokens: Int) in try operands.tokenStreams(tokens, headDim: config.headDimension) }
        var tokens = 0
        switch phase {
        case .prefill:
            tokens = request.promptLength
            let (keys, values) = try streams(tokens)
            let prompt = try rtl.runKVEngine(keys: keys, values: values, config: config)
            add((prompt.totalCycles, prompt.counters), times: 1)
        case .decode:
            tokens = request.generatedTokens
            let contexts = (0..<request.generatedTokens).map { request.promptLength + $0 + 1 }
            let closing = UInt64(contexts.filter { $0 % config.window == 0 }.count)
            add(try AttentionMapping.tokenCost(rtl, config: config, closesWindow: false, streams: streams), times: UInt64(contexts.count) - closing)
            if closing > 0 { add(try AttentionMapping.tokenCost(rtl, config: config, closesWindow: true, streams: streams), times: closing) }
        }
        counters["controller.cycles"] = nil
        let table = energy.priced(for: architecture, headDimension: request.model.headDimension)
        let energy = try table.energy(counters: counters, cycles: 0, processingElements: 0, dram: architecture.dramTechnology,
                                              timing: architecture.array.dramTiming)
        return OperationResult(name: "kv_engine", unit: "kvEngine", m: 1, k: config.headDimension, n: tokens, instances: Int(instances),
                               cycles: cycles, macs: 0, dramReadBits: 0, dramWriteBits: counters["dram.write_bits"] ?? 0,
                               energy: energy.picojoules, counters: counters)
    }
}

extension OperationResult {
    /// Adds another instance set of the same operator (decode steps).
    mutating func merge(_ other: OperationResult) {
        (m, k, n) = (other.m, other.k, other.n)
        instances += other.instances
        cycles += other.cycles
        macs += other.macs
        dramReadBits += other.dramReadBits
        dramWriteBits += other.dramWriteBits
        energy.merge(other.energy, uniquingKeysWith: +)
        counters.merge(other.counters, uniquingKeysWith: +)
        mapping = other.mapping ?? mapping
    }
}
