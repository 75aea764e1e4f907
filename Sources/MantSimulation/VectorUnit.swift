import MantConfig
import MantHardware
import MantWorkload

/// The vector unit beside the array: FP32 lanes that stream rows from DRAM (FP16 in, FP16 out)
/// in one or more passes.
///
/// Latency model (documented in the README): a pass over E elements takes ceil(E / lanes) cycles
/// plus the pipeline depth; an operation takes its passes back to back, overlapped with its DRAM
/// traffic (the longer of the two), plus the DRAM latency once. Work per element and per row:
///
/// | kernel | passes | per element | per row |
/// |---|---|---|---|
/// | RMSNorm | 2 | 3 mul, 1 add | 1 div (the reciprocal square root) |
/// | LayerNorm | 3 | 2 mul, 4 add | 1 div |
/// | softmax | 3 | 1 compare, 2 add, 1 exp, 1 mul | 1 div |
/// | SiLU x up | 1 | 1 exp, 1 add, 1 div, 2 mul | - |
/// | ReLU | 1 | 1 compare | - |
public struct VectorUnit: Sendable {
    public var config: VectorUnitConfig
    public var dramBitsPerCycle: Int
    public var dramLatencyCycles: Int

    public init(config: VectorUnitConfig, array: ArrayConfig) {
        self.config = config
        dramBitsPerCycle = array.dramBitsPerCycle
        dramLatencyCycles = array.dramLatencyCycles
    }

    struct Work {
        var passes: Int
        var inputs: Int
        var perElement: [String: Int]
        var perRow: [String: Int]
    }

    static func work(_ kernel: VectorKernel) -> Work {
        switch kernel {
        case .rmsNorm: return Work(passes: 2, inputs: 1, perElement: ["vector.mul": 3, "vector.add": 1], perRow: ["vector.div": 1])
        case .layerNorm: return Work(passes: 3, inputs: 1, perElement: ["vector.mul": 2, "vector.add": 4], perRow: ["vector.div": 1])
        case .softmax:
            return Work(passes: 3, inputs: 1, perElement: ["vector.compare": 1, "vector.add": 2, "vector.exp": 1, "vector.mul": 1],
                        perRow: ["vector.div": 1])
        case .siluMultiply:
            return Work(passes: 1, inputs: 2, perElement: ["vector.exp": 1, "vector.add": 1, "vector.div": 1, "vector.mul": 2], perRow: [:])
        case .relu: return Work(passes: 1, inputs: 1, perElement: ["vector.compare": 1], perRow: [:])
        }
    }

    /// Cycles and counters of one instance of `kernel` over `rows` x `columns` elements.
    public func run(_ kernel: VectorKernel, rows: Int, columns: Int) -> GemmResult {
        let work = VectorUnit.work(kernel)
        let elements = UInt64(rows) * UInt64(columns)
        let lanes = UInt64(config.lanes)
        let compute = UInt64(work.passes) * ((elements + lanes - 1) / lanes + UInt64(config.pipelineCycles))
        let readBits = elements * 16 * UInt64(work.inputs), writeBits = elements * 16
        let port = UInt64(dramBitsPerCycle)
        let transfer = (readBits + port - 1) / port + (writeBits + port - 1) / port
        let total = max(compute, transfer) + UInt64(dramLatencyCycles)
        var counters: [String: UInt64] = ["vector.cycles": compute, "dram.read_bits": readBits, "dram.write_bits": writeBits]
        for (name, count) in work.perElement { counters[name, default: 0] += elements * UInt64(count) }
        for (name, count) in work.perRow { counters[name, default: 0] += UInt64(rows) * UInt64(count) }
        return GemmResult(output: [], totalCycles: total, computeCycles: compute, stallCycles: total - compute, counters: counters)
    }

    /// P*V over an open INT8 V window on the vector unit: per probability and channel one multiply
    /// and one add, plus one multiply per value to apply its token's scale, in passes of `lanes`.
    public func openWindow(rows: Int, tokens: Int, channels: Int) -> GemmResult {
        let operations = UInt64(rows * tokens * channels)
        let lanes = UInt64(config.lanes)
        let cycles = (operations + lanes - 1) / lanes + UInt64(config.pipelineCycles)
        return GemmResult(output: [], totalCycles: cycles, computeCycles: cycles, stallCycles: 0,
                          counters: ["vector.cycles": cycles, "vector.mul": operations + UInt64(tokens * channels), "vector.add": operations])
    }
}
