import Foundation
import XCTest
import MantConfig
import MantHardware
import MantNumerics
import MantWorkload
@testable import MantSimulation

/// A model small enough that cycle fidelity runs every tile: 2 layers, GQA with 2 KV heads, head dimension 64.
let tinyModel = ModelConfig(name: "tiny", hiddenSize: 256, intermediateSize: 320, heads: 4, kvHeads: 2, layers: 2,
                            vocabularySize: 500, maxPositions: 512, ffn: .gated, hasBiases: false, tiedEmbeddings: false)

let repository = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func bundledArchitecture(_ name: String, rows: Int = 8, columns: Int = 8) throws -> ArchitectureConfig {
    var architecture = try ArchitectureConfig.load(path: repository.appendingPathComponent("Configs/arch/\(name).yaml").path)
    architecture.array.rows = rows
    architecture.array.columns = columns
    return architecture
}

func energyTable(_ node: String = "28nm") throws -> EnergyTable {
    try EnergyTable.load(path: repository.appendingPathComponent("Configs/energy/\(node).yaml").path)
}

final class WorkloadRunnerTests: XCTestCase {
    func testFastFidelityAgreesWithCycleFidelityOnEveryOperator() throws {
        let rtl = try RTLModel.fresh()
        for name in ["mant", "int8", "fp16", "olive", "lut", "vq-cq2"] {
            let runner = try WorkloadRunner(architecture: try bundledArchitecture(name), energy: try energyTable(), rtl: rtl)
            var request = WorkloadRequest(model: tinyModel, batch: 2, promptLength: 66, generatedTokens: 3, fidelity: .cycle)
            let cycle = try runner.run(request)
            request.fidelity = .fast
            let fast = try runner.run(request)
            for (slow, quick) in zip(cycle.phases, fast.phases) {
                XCTAssertEqual(slow.operations.map(\.name), quick.operations.map(\.name))
                for (a, b) in zip(slow.operations, quick.operations) {
                    XCTAssertEqual(Double(b.cycles), Double(a.cycles), accuracy: Double(a.cycles) * 0.01, "\(name) \(a.name) cycles")
                    for (counter, value) in a.counters {
                        XCTAssertEqual(Double(b.counters[counter] ?? 0), Double(value), accuracy: max(1, Double(value) * 0.01),
                                       "\(name) \(slow.phase) \(a.name) \(counter)")
                    }
                }
            }
        }
    }

    func testEnergyIsCountersTimesTheTable() throws {
        let table = try energyTable("45nm")
        let architecture = try bundledArchitecture("mant")
        let runner = try WorkloadRunner(architecture: architecture, energy: table, rtl: try RTLModel.fresh())
        let result = try runner.run(WorkloadRequest(model: tinyModel, promptLength: 40, generatedTokens: 2))
        let pes = Double(architecture.array.rows * architecture.array.columns)
        // SRAM counters at the prices of this architecture's memories (the model's head dimension sizes the KV window).
        let priced = table.priced(for: architecture, headDimension: tinyModel.headDimension)
        XCTAssertNotEqual(priced.actions["kv.window_read_bits"], table.priced(for: architecture, headDimension: 4 * tinyModel.headDimension).actions["kv.window_read_bits"])
        for phase in result.phases {
            var total = 0.0
            for op in phase.operations {
                // PE and SRAM leakage over the operator's cycles (the engine's overlap the others').
                var expected = op.unit == "kvEngine" ? 0 : Double(op.cycles) * (pes * table.peLeakage.picojoules + priced.sramLeakagePicojoulesPerCycle)
                for (name, count) in op.counters {
                    if let entry = priced.actions[name] { expected += Double(count) * entry.picojoules }
                }
                expected += Double(op.dramReadBits) * table.dramRead["ddr4"]!.picojoules + Double(op.dramWriteBits) * table.dramWrite["ddr4"]!.picojoules
                XCTAssertEqual(op.totalEnergy, expected, accuracy: expected * 1e-12, op.name)
                total += expected
            }
            XCTAssertEqual(phase.totalEnergy, total, accuracy: total * 1e-12)
            XCTAssertEqual(phase.cycles, phase.operations.reduce(0) { $0 + $1.cycles })
            XCTAssertEqual(phase.latencySeconds, Double(phase.cycles) / 500e6, accuracy: 1e-15)
        }
    }

    func testDecodeAttendsOverAGrowingCacheAndRepeatsProjections() throws {
        let runner = try WorkloadRunner(architecture: try bundledArchitecture("int4"), energy: try energyTable(), rtl: try RTLModel.fresh())
        let result = try runner.run(WorkloadRequest(model: tinyModel, batch: 1, promptLength: 30, generatedTokens: 4, phases: [.decode]))
        let decode = try XCTUnwrap(result.phase(.decode))
        XCTAssertEqual(decode.tokens, 4)
        let byName = Dictionary(uniqueKeysWithValues: decode.operations.map { ($0.name, $0) })
        // Projections: the same GEMM every step and layer.
        XCTAssertEqual(byName["q_proj"]!.instances, 4 * 2)
        XCTAssertEqual(byName["q_proj"]!.macs, UInt64(4 * 2 * 256 * 256))
        // Attention: 2 KV heads x 2 layers per step, each with M = 2 query heads; context 31...34.
        let scores = byName["attention_scores"]!
        XCTAssertEqual(scores.instances, 4 * 2 * 2)
        XCTAssertEqual(scores.n, 34)
        let contexts = [31, 32, 33, 34].reduce(0, +)
        XCTAssertEqual(scores.macs, UInt64(8 * 64 * contexts))
        XCTAssertEqual(byName["attention_values"]!.macs, scores.macs)
        XCTAssertEqual(byName["lm_head"]!.instances, 4)
    }

    /// An INT16 KV cache on ANT's 4-bit PEs runs in 5 digit passes: each attention GEMM costs
    /// exactly five times the same GEMM over a 4-bit ANT cache (same shape, codes and metadata
    /// widths), while the projections are untouched.
    func testAnINT16CacheInDigitPassesCostsFiveTimesTheAttentionOfA4BitOne() throws {
        let request = WorkloadRequest(model: tinyModel, batch: 1, promptLength: 62, generatedTokens: 2, phases: [.decode])
        let rtl = try RTLModel.fresh()
        func operations(_ name: String) throws -> [String: OperationResult] {
            let result = try WorkloadRunner(architecture: try bundledArchitecture(name), energy: try energyTable(), rtl: rtl).run(request)
            return Dictionary(uniqueKeysWithValues: try XCTUnwrap(result.phase(.decode)).operations.map { ($0.name, $0) })
        }
        let (ant, passes) = (try operations("ant"), try operations("ant-kv16-passes"))
        for name in ["attention_scores", "attention_values"] {
            XCTAssertEqual(passes[name]!.cycles, 5 * ant[name]!.cycles, name)
            XCTAssertEqual(passes[name]!.macs, 5 * ant[name]!.macs, name)
            XCTAssertEqual(passes[name]!.dramReadBits, 5 * ant[name]!.dramReadBits, name)
        }
        XCTAssertEqual(passes["q_proj"]!.cycles, ant["q_proj"]!.cycles)
    }

    func testTheKVEngineQuantizesEveryNewTokenBesideTheArray() throws {
        let runner = try WorkloadRunner(architecture: try bundledArchitecture("mant"), energy: try energyTable(), rtl: try RTLModel.fresh())
        // Contexts 63...66 during decode: the step reaching 64 tokens closes a window.
        let result = try runner.run(WorkloadRequest(model: tinyModel, batch: 2, promptLength: 40, generatedTokens: 26))
        let heads = UInt64(2 * 2 * 2)  // layers x KV heads x batch
        let prefill = result.phase(.prefill)!.operations.first { $0.name == "kv_engine" }!
        XCTAssertEqual(prefill.counters["kv.key_vectors"], 40 * heads)
        XCTAssertEqual(prefill.counters["kv.window_flushes"], 0)
        let decode = result.phase(.decode)!
        let engine = decode.operations.first { $0.name == "kv_engine" }!
        XCTAssertEqual(engine.counters["kv.key_vectors"], 26 * heads)
        XCTAssertEqual(engine.counters["kv.window_flushes"], 1 * heads)
        XCTAssertEqual(engine.cycles, 0, "the engine works beside the array")
        XCTAssertGreaterThan(engine.energy["kv"] ?? 0, 0)
        // P*V: the array reads the closed window (64 tokens) once contexts pass 64; the open window goes to the vector unit.
        let values = decode.operations.first { $0.name == "attention_values" }!
        let closed = (41...66).map { $0 / 64 * 64 }.reduce(0, +)
        XCTAssertEqual(values.macs, UInt64(2 * 64 * closed) * heads)
        XCTAssertGreaterThan(values.counters["vector.mul"] ?? 0, 0)
    }

    func testBadRequestsAreRefusedWithEveryProblem() throws {
        let runner = try WorkloadRunner(architecture: try bundledArchitecture("mant"), energy: try energyTable(), rtl: try RTLModel.fresh())
        XCTAssertThrowsError(try runner.run(WorkloadRequest(model: tinyModel, batch: 0, promptLength: 600, generatedTokens: 0))) { error in
            let text = "\(error)"
            for needle in ["batch", "generated tokens", "max_position_embeddings 512"] { XCTAssertTrue(text.contains(needle), text) }
        }
        var small = try bundledArchitecture("mant")
        // Too small for any mapping: one token's K tile of 8 INT8 values and its scale, twice, is 20 bytes.
        small.array.activationBufferBytes = 16
        let cramped = try WorkloadRunner(architecture: small, energy: try energyTable(), rtl: try RTLModel.fresh())
        var simulations = 0
        cramped.progress = { _, _ in simulations += 1 }
        XCTAssertThrowsError(try cramped.run(WorkloadRequest(model: tinyModel, promptLength: 8, generatedTokens: 1))) { error in
            // Every operator that cannot map, found before the first simulation: one line per
            // operator (its first shape, and how many more of its shapes fail).
            let problems = (error as? WorkloadError)?.problems ?? []
            let names = problems.map { String($0.prefix { $0 != " " }) }
            XCTAssertEqual(Set(names).count, names.count, "\(problems)")
            for name in ["q_proj", "up_proj", "lm_head", "attention_scores"] { XCTAssertTrue(names.contains(name), "\(problems)") }
            XCTAssertTrue(problems.allSatisfy { $0.contains("cannot map onto M-ANT") && $0.contains("buffers.activation_bytes") }, "\(problems)")
        }
        XCTAssertEqual(simulations, 0, "nothing runs before every operator is checked")
    }

    /// The check reaches the formats too: an architecture edited in code (as a study would) is
    /// refused with the same message a config file gets.
    func testFormatsTheArrayCannotHoldAreRefusedBeforeRunning() throws {
        var vq = try bundledArchitecture("vq")
        vq.array.hotEntries = 1000
        let runner = try WorkloadRunner(architecture: vq, energy: try energyTable(), rtl: try RTLModel.fresh())
        XCTAssertThrowsError(try runner.check(WorkloadRequest(model: tinyModel, promptLength: 8, generatedTokens: 1))) { error in
            XCTAssertEqual((error as? WorkloadError)?.problems,
                           ["\(vq.label): decoder.hot_entries: 1000 is more than the formats.weights (vq<4,8,1>/tensor) codebook's 256 entries"])
        }
    }

    func testComparisonDoesNotDependOnArgumentOrder() throws {
        let rtl = try RTLModel.fresh()
        var runs = [RunResult]()
        for name in ["int8", "mant", "fp16"] {
            let runner = try WorkloadRunner(architecture: try bundledArchitecture(name), energy: try energyTable(), rtl: rtl)
            runs.append(try runner.run(WorkloadRequest(model: tinyModel, promptLength: 24, generatedTokens: 2)))
        }
        let forward = Comparison(baseline: runs[0], runs: runs)
        let backward = Comparison(baseline: runs[0], runs: runs.reversed())
        XCTAssertEqual(forward, backward)
        let baselineRows = forward.rows.filter { $0.architecture == runs[0].architecture }
        XCTAssertEqual(baselineRows.map(\.speedup), [1, 1])
        XCTAssertEqual(baselineRows.map(\.energyReduction), [1, 1])
        // Running an architecture again gives the same numbers: nothing leaks between runs.
        let again = try WorkloadRunner(architecture: try bundledArchitecture("int8"), energy: try energyTable(), rtl: rtl)
            .run(WorkloadRequest(model: tinyModel, promptLength: 24, generatedTokens: 2))
        XCTAssertEqual(again, runs[0])
    }
}

final class VectorUnitTests: XCTestCase {
    func testSoftmaxCyclesAndActionsFollowTheDocumentedModel() throws {
        var array = ArrayConfig(peType: .mant)
        array.dramBitsPerCycle = 1024
        array.dramLatencyCycles = 100
        let unit = VectorUnit(config: VectorUnitConfig(lanes: 32, pipelineCycles: 8), array: array)
        // 4 rows x 1000: 3 passes of ceil(4000 / 32) = 125 cycles plus 8 each = 399 compute cycles;
        // DRAM moves 4000 x 16 bits each way: 63 + 63 = 126 cycles, hidden; plus 100 cycles latency.
        let result = try unit.run(.softmax, rows: 4, columns: 1000)
        XCTAssertEqual(result.computeCycles, 399)
        XCTAssertEqual(result.totalCycles, 499)
        XCTAssertEqual(result.counters["vector.exp"], 4000)
        XCTAssertEqual(result.counters["vector.add"], 8000)
        XCTAssertEqual(result.counters["vector.div"], 4)
        XCTAssertEqual(result.counters["dram.read_bits"], 64000)
        // A wide element-wise kernel with a narrow DRAM port is bound by its traffic.
        array.dramBitsPerCycle = 16
        let bound = try VectorUnit(config: VectorUnitConfig(lanes: 32, pipelineCycles: 8), array: array).run(.siluMultiply, rows: 1, columns: 320)
        XCTAssertEqual(bound.totalCycles, 320 * 2 + 320 + 100)
    }

    /// On a DRAM standard's channels the vector unit's traffic takes the bank model's time and
    /// issues its commands: one DDR4-3200 channel moves 8 MiB of inputs and 8 MiB of outputs in
    /// tRCD + CL + 262,144 bursts of 2.5 ns, with a row activated per 8 KiB.
    func testOnAStandardsChannelsTheTrafficIsTheBankModels() throws {
        var array = ArrayConfig(peType: .mant)
        var timing = try XCTUnwrap(DRAMTiming(technology: "ddr4", channels: 1))
        timing.clockMHz = 500
        array.dramTiming = timing
        let unit = VectorUnit(config: VectorUnitConfig(lanes: 256, pipelineCycles: 8), array: array)
        let result = try unit.run(.relu, rows: 1024, columns: 4096)
        let bytes: UInt64 = 1024 * 4096 * 2
        XCTAssertEqual(result.counters["dram.read_bursts"], bytes / 64)
        XCTAssertEqual(result.counters["dram.write_bursts"], bytes / 64)
        XCTAssertEqual(result.counters["dram.activates"], 2 * bytes / 8192)
        // 27.5 ns before the first data, then the bus busy: 655,387.5 ns at 2 ns a cycle.
        let nanoseconds = 27.5 + Double(2 * bytes / 64) * 2.5
        XCTAssertEqual(result.totalCycles, UInt64((nanoseconds / 2).rounded(.up)))
        XCTAssertGreaterThan(result.totalCycles, result.computeCycles, "bound by the channel's 25.6 GB/s")
        XCTAssertEqual(result.counters["dram.active_standby_cycles"], result.totalCycles)
    }
}
