import MantConfig
import MantHardware
import MantWorkload

/// The vector unit beside the array: FP32 lanes that stream rows from DRAM (FP16 in, FP16 out)
/// in one or more passes.
///
/// Latency model (documented in the README): a pass over E elements takes ceil(E / lanes) cycles
/// plus the pipeline depth; an operation takes its passes back to back, overlapped with its DRAM
/// traffic (the longer of the two), plus the DRAM latency once. On a DRAM standard's channels the
/// traffic is the bank model's: the inputs read from one region and the outputs written to
/// another, queued together, with the commands it issues counted for the energy (the array's own
/// transfers are simulated apart, so the two do not contend). Work per element and per row:
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
    /// The standard's channels, when the array is on them.
    public var dramTiming: DRAMTiming?

    public init(config: VectorUnitConfig, array: ArrayConfig) {
        self.config = config
        dramBitsPerCycle = array.dramBitsPerCycle
        dramLatencyCycles = array.dramLatencyCycles
        dramTiming = array.dramTiming
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
    public func run(_ kernel: VectorKernel, rows: Int, columns: Int) throws -> GemmResult {
        let work = VectorUnit.work(kernel)
        let elements = UInt64(rows) * UInt64(columns)
        let lanes = UInt64(config.lanes)
        let compute = UInt64(work.passes) * ((elements + lanes - 1) / lanes + UInt64(config.pipelineCycles))
        let readBits = elements * 16 * UInt64(work.inputs), writeBits = elements * 16
        var counters: [String: UInt64] = ["vector.cycles": compute, "dram.read_bits": readBits, "dram.write_bits": writeBits]
        let total: UInt64
        if let timing = dramTiming {
            let commands = try timing.commands([(0, readBits / 8, false), (1 << 44, writeBits / 8, true)])
            let cyclePicoseconds = 1e6 / timing.clockMHz
            let transfer = UInt64((Double(commands.finishPicoseconds.max() ?? 0) / cyclePicoseconds).rounded(.up))
            total = max(compute, transfer)
            counters["dram.activates"] = commands.activates
            counters["dram.precharges"] = commands.precharges
            counters["dram.read_bursts"] = commands.readBursts
            counters["dram.write_bursts"] = commands.writeBursts
            // Every channel has a row open from the first activation, at the start, to the end.
            counters["dram.active_standby_cycles"] = UInt64(timing.channels) * total
        } else {
            let port = UInt64(dramBitsPerCycle)
            let transfer = (readBits + port - 1) / port + (writeBits + port - 1) / port
            total = max(compute, transfer) + UInt64(dramLatencyCycles)
        }
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
