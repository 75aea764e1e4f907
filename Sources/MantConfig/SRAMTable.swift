import Foundation
import MantHardware

/// CACTI's figures for one SRAM bank over a grid of capacities and port widths
/// (`Configs/sram/cacti.csv`, written by `make sram-table`), and the interpolation the cost model
/// prices every on-chip memory with.
///
/// Between grid points the energy per access, the bank area and its leakage are interpolated
/// linearly in log2(capacity) and log2(width). Outside the grid the energy per bit of the nearest
/// edge is kept and the area and leakage grow in proportion to capacity: a bank smaller than the
/// smallest in the table costs its share of that bank, per bit.
public struct SRAMTable: Equatable, Sendable {
    public struct Bank: Equatable, Sendable {
        /// pJ per access of the bank's full width, and um^2 of the bank.
        public var readPicojoules: Double, writePicojoules: Double, areaSquareMicrons: Double
        /// The bank's leakage power in mW: CACTI's "Standby leakage per bank", which is its total
        /// subthreshold plus gate leakage ("Total leakage power of a bank" + "Total gate leakage
        /// power of a bank" in CACTI's report) with power gating off, as hwcomponents-cacti
        /// configures it (its cells and periphery are ITRS low-standby-power devices).
        public var leakageMilliwatts: Double = 0
    }

    /// CACTI node (nm) -> bank bytes -> width bits -> bank.
    private let banks: [Int: [Int: [Int: Bank]]]
    public var nodes: [Int] { banks.keys.sorted() }

    public static func load(path: String) throws -> SRAMTable {
        let lines = try ConfigReader.text(of: path).split(separator: "\n", omittingEmptySubsequences: true).filter { !$0.hasPrefix("#") }
        let columns = ["cacti_node_nm", "bank_bytes", "width_bits", "read_pj", "write_pj", "area_um2", "leakage_mw"]
        guard let head = lines.first, head.split(separator: ",").map(String.init) == columns else {
            throw ConfigError(path: path, problems: ["header: expected \(columns.joined(separator: ","))"])
        }
        var problems = [String]()
        var banks = [Int: [Int: [Int: Bank]]]()
        for (index, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let integers = fields.prefix(3).compactMap { Int($0) }.filter { $0 > 0 }
            let numbers = fields.dropFirst(3).prefix(4).compactMap { Double($0) }.filter { $0.isFinite && $0 > 0 }
            guard fields.count == columns.count, integers.count == 3, numbers.count == 4 else {
                problems.append("data row \(index + 1): expected \(columns.count) fields, positive integers then positive numbers, got \(line)")
                continue
            }
            banks[integers[0], default: [:]][integers[1], default: [:]][integers[2]] =
                Bank(readPicojoules: numbers[0], writePicojoules: numbers[1], areaSquareMicrons: numbers[2], leakageMilliwatts: numbers[3])
        }
        for (node, sizes) in banks {
            let widths = Set(sizes.values.map { Set($0.keys) })
            if widths.count != 1 { problems.append("node \(node) nm: every capacity needs the same widths (the grid must be rectangular)") }
        }
        if banks.isEmpty { problems.append("data: no rows") }
        if !problems.isEmpty { throw ConfigError(path: path, problems: problems) }
        return SRAMTable(banks: banks)
    }

    /// One bank of `bytes` with a `widthBits` port at CACTI node `node`.
    public func bank(node: Int, bytes: Double, widthBits: Double) -> Bank? {
        guard let sizes = banks[node] else { return nil }
        let capacities = sizes.keys.sorted(), widths = sizes[capacities[0]]!.keys.sorted()
        let (c0, c1, tc) = SRAMTable.bracket(capacities, bytes)
        let (w0, w1, tw) = SRAMTable.bracket(widths, widthBits)
        func blend(_ value: (Bank) -> Double) -> Double {
            let low = (1 - tw) * value(sizes[c0]![w0]!) + tw * value(sizes[c0]![w1]!)
            let high = (1 - tw) * value(sizes[c1]![w0]!) + tw * value(sizes[c1]![w1]!)
            return (1 - tc) * low + tc * high
        }
        // Per bit of port at the clamped width, then times the real width; area by capacity beyond the grid.
        let clampedWidth = min(max(widthBits, Double(widths.first!)), Double(widths.last!))
        let clampedBytes = min(max(bytes, Double(capacities.first!)), Double(capacities.last!))
        let widthFactor = widthBits / clampedWidth
        return Bank(readPicojoules: blend(\.readPicojoules) * widthFactor, writePicojoules: blend(\.writePicojoules) * widthFactor,
                    areaSquareMicrons: blend(\.areaSquareMicrons) * bytes / clampedBytes,
                    leakageMilliwatts: blend(\.leakageMilliwatts) * bytes / clampedBytes)
    }

    /// The grid points either side of `value` and its position between them in log2, clamped to the grid.
    private static func bracket(_ grid: [Int], _ value: Double) -> (Int, Int, Double) {
        if value <= Double(grid.first!) { return (grid.first!, grid.first!, 0) }
        if value >= Double(grid.last!) { return (grid.last!, grid.last!, 0) }
        let upper = grid.firstIndex { Double($0) >= value }!
        let (low, high) = (grid[upper - 1], grid[upper])
        return (low, high, (log2(value) - log2(Double(low))) / (log2(Double(high)) - log2(Double(low))))
    }
}

/// One on-chip memory of an architecture: what it holds, its banks and port, and the counters
/// (per bit) and area component it is priced under.
public struct MemoryGeometry: Equatable, Sendable {
    public var name: String
    public var bytes: Int
    public var banks: Int
    public var widthBits: Int
    public var readCounter: String?
    public var writeCounter: String?
    /// The component of the area breakdown the memory belongs to.
    public var areaComponent: String
    /// False for a memory the architecture does not build (its counters stay zero; it has no area).
    public var built = true

    public var bankBytes: Double { Double(bytes) / Double(max(1, banks)) }
}

extension ArchitectureConfig {
    /// The per-bit counters of on-chip memories, which a table with an `sram` section prices from CACTI.
    public static let sramCounters: Set<String> = ["wbuf.read_bits", "wbuf.write_bits", "abuf.read_bits", "abuf.write_bits",
                                                   "obuf.read_bits", "obuf.write_bits", "kv.window_read_bits", "kv.window_write_bits",
                                                   "decoder.codebook_read_bits", "decoder.codebook_write_bits", "decoder.hot_read_bits"]

    /// Every SRAM of the architecture, with `headDimension` sizing the KV engine's window rows.
    public func memories(headDimension: Int = 128) -> [MemoryGeometry] {
        let a = array
        var result = [
            MemoryGeometry(name: "WBUF", bytes: a.weightBufferBytes, banks: a.weightBufferBanks, widthBits: a.weightBufferBankBits,
                           readCounter: "wbuf.read_bits", writeCounter: "wbuf.write_bits", areaComponent: "wbuf"),
            MemoryGeometry(name: "ABUF", bytes: a.activationBufferBytes, banks: a.activationBufferBanks, widthBits: a.activationBufferBankBits,
                           readCounter: "abuf.read_bits", writeCounter: "abuf.write_bits", areaComponent: "abuf"),
            MemoryGeometry(name: "OBUF", bytes: a.outputBufferBytes, banks: a.outputBufferBanks, widthBits: a.outputBufferBankBits,
                           readCounter: "obuf.read_bits", writeCounter: "obuf.write_bits", areaComponent: "obuf"),
        ]
        // The KV engine's window: one bank, one token's INT8 row and its FP16 scale per access.
        let row = headDimension * 8 + 16
        let window = MemoryGeometry(name: "KV window", bytes: (kvEngine?.windowCapacity ?? 64) * row / 8, banks: 1, widthBits: row,
                                    readCounter: "kv.window_read_bits", writeCounter: "kv.window_write_bits", areaComponent: "kv")
        result.append(window)
        result[result.count - 1].built = kvEngine != nil
        // The VQ decoder's codebook SRAM and hot-entry store: one FP16 codebook entry per access.
        let vq = weightFormat.vq ?? kvFormat.vq
        let entryBits = (vq?.vectorLength ?? 8) * 16
        result.append(MemoryGeometry(name: "codebook SRAM", bytes: a.codebookBytes, banks: a.codebookBanks, widthBits: entryBits,
                                     readCounter: "decoder.codebook_read_bits", writeCounter: "decoder.codebook_write_bits",
                                     areaComponent: "decoder", built: a.peType == .vq))
        let hotBytes = a.hotEntries * entryBits / 8 * (vq?.stages ?? 1)
        result.append(MemoryGeometry(name: "hot-entry store", bytes: hotBytes, banks: a.hotPorts, widthBits: entryBits,
                                     readCounter: "decoder.hot_read_bits", writeCounter: nil, areaComponent: "decoder",
                                     built: a.peType == .vq && hotBytes > 0))
        return result
    }
}
