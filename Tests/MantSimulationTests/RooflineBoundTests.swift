import Foundation
import XCTest
import MantConfig
import MantHardware
import MantWorkload
@testable import MantSimulation

/// Every operator of LLaMA-2-7B prefill and decode, on every bundled architecture, against the
/// bounds physics sets: no faster than its MACs on the PEs or its bits over DRAM, and (weight
/// GEMMs) no slower than the pipelined bound the README derives.
final class RooflineBoundTests: XCTestCase {
    /// The README's pipelined upper bound of one weight-stationary GEMM instance. Every tile issues
    /// at most I = max(S, D, ceil((S + C + d) / 2), ceil((S + R + C + 2d) / 3)) cycles after the one
    /// before: S its stream (tokens, or the cycles a buffer port needs for them), D its weight load
    /// (link or WBUF port, and VQ decoding), d = ceil(D / R). Full tiles bound partial ones. To the
    /// issue intervals (or the DRAM's own time, when that is longer) come one fill and drain, the
    /// first weight tile's load, and every DRAM transfer's latency and time the array cannot hide:
    /// the first rows and weights, the rows of M tiles that could not be prefetched, the last outputs.
    static func upperBound(_ op: OperationResult, _ architecture: ArchitectureConfig) -> Double {
        let array = architecture.array
        let (r, c) = (array.rows, array.columns)
        let instances = Double(op.instances)
        let fp16 = architecture.array.peType.multipliesFP16
        let activationBits = fp16 ? 16 : architecture.activationBits
        let rowBits = op.k * activationBits + (fp16 ? 0 : 16)
        let byABUF = array.activationBufferBytes * 8 / rowBits, byOBUF = array.outputBufferBytes * 8 / (c * 64)
        let mTile = min(op.m, byABUF, byOBUF)
        let mTiles = (op.m + mTile - 1) / mTile, kTiles = (op.k + r - 1) / r, nTiles = (op.n + c - 1) / c
        let tiles = Double(mTiles * kTiles * nTiles)
        let link = Double(min(array.effectiveWeightLinkBits, array.weightBufferBanks * array.weightBufferBankBits))
        let bitsPerWeight = Double(op.counters["controller.weight_link_bits"] ?? 0) / (instances * Double(op.k * op.n * mTiles))
        let load = (Double(r * c) * bitsPerWeight / link).rounded(.up)
        let lanes = architecture.array.peType == .mant ? 2 : 1
        let sums = mTile * c * 2 * (32 + 32 * lanes)
        let stream = Double(max(mTile, (mTile * r * activationBits + array.activationBufferBanks * array.activationBufferBankBits - 1)
                                    / (array.activationBufferBanks * array.activationBufferBankBits),
                                (sums + array.outputBufferBanks * array.outputBufferBankBits - 1) / (array.outputBufferBanks * array.outputBufferBankBits)))
        let d = (load / Double(r)).rounded(.up)
        let interval = max(stream, load, ((stream + Double(c) + d) / 2).rounded(.up), ((stream + Double(r + c) + 2 * d) / 3).rounded(.up))
        let decode = Double(op.counters["decoder.cycles"] ?? 0) / instances
        let dramBits = Double(op.dramReadBits + op.dramWriteBits) / instances
        let bandwidth = Double(array.dramBitsPerCycle), latency = Double(array.dramLatencyCycles)
        let prefetched = 2 * mTile * rowBits <= array.activationBufferBytes * 8
        let rowsLoad = Double(mTile * rowBits) / bandwidth + latency
        let exposed = Double(r + c) + load + 2 * (latency + Double(r * c * 16) / bandwidth) + rowsLoad
            + (prefetched ? 0 : Double(mTiles - 1) * rowsLoad) + Double(mTile * c * 32) / bandwidth + latency
        return instances * (max(tiles * interval + decode, dramBits / bandwidth) + exposed)
    }

    func testEveryOperatorStaysBetweenItsPhysicalBounds() throws {
        let model = try ModelConfig.load(path: repository.appendingPathComponent("Configs/models/llama-2-7b.json").path)
        let rtl = try RTLModel.fresh()
        // vq-aqlm3 and vq-quip4 train 4096-entry codebooks per operator (minutes each); their
        // decoder shares the path of vq, vq-cq4 and vq-cq2, which run here.
        let names = ["fp16", "int8", "int4", "mant", "ant", "olive", "mxfp4", "lut", "lut-sac", "vq", "vq-cq4", "vq-cq2"]
        for name in names {
            // The bound's tile sizes are the fixed nest's; the searched mapping has its own test (MapperTests).
            var architecture = try bundledArchitecture(name, rows: 32, columns: 32)
            architecture.array.mapping = .fixed
            let runner = try WorkloadRunner(architecture: architecture, energy: try energyTable(), rtl: rtl)
            runner.measuresAccuracy = false  // timing alone: AccuracyTests covers the measure
            let result = try runner.run(WorkloadRequest(model: model, promptLength: 2048, generatedTokens: 2))
            let pes = Double(architecture.array.rows * architecture.array.columns)
            for phase in result.phases {
                for op in phase.operations where op.unit == "array" || op.unit == "arrayKV" {
                    let label = "\(name) \(phase.phase.rawValue) \(op.name)"
                    let cycles = Double(op.cycles)
                    XCTAssertGreaterThanOrEqual(cycles, Double(op.macs) / pes, label)
                    XCTAssertGreaterThanOrEqual(cycles, Double(op.dramReadBits + op.dramWriteBits) / Double(architecture.array.dramBitsPerCycle), label)
                    if op.unit == "array" {
                        XCTAssertLessThanOrEqual(cycles, RooflineBoundTests.upperBound(op, architecture), label)
                    }
                }
            }
        }
    }
}

/// Iso-area as the M-ANT, ANT and OliVe papers compare: every array resized to the baseline's
/// compute area, buffers as configured, ports and weight link per column kept.
final class IsoAreaTests: XCTestCase {
    func testResizedComputeAreaIsWithinOneRowAndColumnOfTheBaselines() throws {
        let model = try AreaModel(table: try energyTable())
        let baseline = try bundledArchitecture("int8", rows: 32, columns: 32)
        let budget = try model.area(of: baseline, components: AreaModel.core)
        for name in ["fp16", "int4", "ant", "olive", "mxfp4", "lut", "vq", "mant"] {
            let architecture = try bundledArchitecture(name, rows: 32, columns: 32)
            let resized = try XCTUnwrap(try model.resized(architecture, toArea: budget, components: AreaModel.core), name)
            let side = resized.array.rows
            XCTAssertEqual(resized.array.columns, side, name)
            XCTAssertLessThanOrEqual(try model.area(of: resized, components: AreaModel.core), budget, name)
            // The next usable side would not fit (a VQ array's side is a multiple of its vector length).
            let step = architecture.weightFormat.vq?.vectorLength ?? 1
            var larger = resized
            (larger.array.rows, larger.array.columns) = (side + step, side + step)
            XCTAssertGreaterThan(try model.area(of: larger, components: AreaModel.core), budget, name)
            // Buffers stay; the link and the ports keep their bits per column.
            XCTAssertEqual(resized.array.weightBufferBytes, architecture.array.weightBufferBytes, name)
            XCTAssertEqual(Double(resized.array.weightLinkBits), Double(8 * side), accuracy: 1, name)
            XCTAssertEqual(Double(resized.array.weightBufferBanks), Double(architecture.array.weightBufferBanks * side) / 32, accuracy: 1, name)
        }
    }
}
