import ArgumentParser
import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantSimulation
import MantTensorIO
import MantWorkload

struct Gemm: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one GEMM through the cycle-level SystemC array and report cycles, traffic and counters.",
        discussion: """
        Computes Y[M][N] = X[M][K] * W[N][K]^T with seeded synthetic LLM-like weights and activations,
        quantized in the architecture's formats, on the array its config describes. Every number comes
        from the simulation; --check also runs the Swift reference GEMM and compares every output bit.

        Examples:
          mantsim gemm --arch Configs/arch/mant.yaml -M 64 -K 4096 -N 4096
          mantsim gemm --arch Configs/arch/int4.yaml -M 1 -K 4096 -N 4096 --dataflow os --json
          mantsim gemm --arch Configs/arch/mant.yaml -M 16 -K 512 -N 256 --format mant3 --check
          mantsim gemm --arch Configs/arch/int8.yaml --topology layers.csv --timing serial --csv

        Timing: pipelined (default) overlaps tiles in the array: each PE holds two weight registers,
        the next tile's weights arrive over the weight link (array.weight_link_bits per cycle) as
        the previous wave clears each row, and a tile issues when its tokens, weights and partial
        sums allow. serial runs SCALE-Sim's schedule: every weight-stationary fold preloads its
        weights in the open and drains before the next starts; with unlimited bandwidth its
        preload + compute cycles are SCALE-Sim's closed forms plus one (SCALE-Sim reports the index
        of its last cycle).

        --topology reads SCALE-Sim's GEMM topology CSV (header 'Layer, M, N, K,', one layer a row)
        and prints one row per layer: cycles, utilization, DRAM traffic and stalls.
        """
    )

    @Option(help: "Architecture: a bundled name (int8, mant, ...; see Configs/arch) or a YAML path.", completion: .file(extensions: ["yaml"]))
    var arch: String

    @Option(name: .customShort("M"), help: "Rows of X: tokens (batch x sequence for prefill, batch for decode).")
    var m: Int = 64

    @Option(name: .customShort("K"), help: "Reduction length: input features.")
    var k: Int = 4096

    @Option(name: .customShort("N"), help: "Output features.")
    var n: Int = 4096

    @Option(help: "Weight format overriding the architecture's (must run on its PE type).")
    var format: String?

    @Option(help: "Dataflow: ws (weight-stationary) or os (output-stationary); default from the config.")
    var dataflow: Dataflow?

    @Option(help: "cycle: step every tile (outputs computed). fast: step the first tile of each shape off the clock and replay its array counts for the rest; the schedule, DRAM and buffers are the same as in cycle (no outputs).")
    var fidelity: Fidelity = .cycle

    @Option(help: "pipelined: tiles overlap (default, or the architecture's array.timing). serial: SCALE-Sim's one fold after another.")
    var timing: Timing?

    @Option(help: "searched: per GEMM the weight-stationary mapping that moves the fewest DRAM bits (default, or the architecture's array.mapping). fixed: M tiles as large as the ABUF holds every row of K.")
    var mapping: Mapping?

    @Option(help: "Weight registers per PE, 2 to 8 (default 2, or the architecture's array.weight_sets): more let the weight link fill a set while earlier tiles' waves still cross the array.")
    var weightSets: Int?

    @Option(help: "SCALE-Sim GEMM topology CSV ('Layer, M, N, K,' rows): run every layer instead of -M/-K/-N.",
            completion: .file(extensions: ["csv"]))
    var topology: String?

    @Option(help: "Seed of the synthetic operands.")
    var seed: UInt64 = 2025

    @Option(help: "Energy table: a bundled node (28nm, 45nm) or a YAML path; adds an energy breakdown by component.",
            completion: .file(extensions: ["yaml"]))
    var energy: String?

    @Option(help: "Write a VCD waveform (controller state, buffer and DRAM ports, one PE row) for GTKWave; small jobs only.")
    var vcd: String?

    @Option(help: "The PE row the VCD shows.")
    var vcdRow: Int = 0

    @Flag(help: "Also run the Swift reference GEMM and compare every output bit.")
    var check = false

    @OptionGroup var output: ReportOptions


    func validate() throws {
        if let problem = GemmTopology.shapeProblem(m: m, k: k, n: n) { throw ValidationError("-M, -K and -N: \(problem)") }
        try OptionBounds.check("gemm", "--vcd-row", vcdRow)
        if fidelity == .fast && (check || vcd != nil) {
            throw ValidationError("--check and --vcd need --fidelity cycle: fast jobs compute no outputs")
        }
        let sets = ArrayLimits.model.weightSets
        if let weightSets, !sets.contains(weightSets) {
            throw ValidationError("--weight-sets takes \(sets.lowerBound) to \(sets.upperBound) weight registers per PE, got \(weightSets)")
        }
        if topology != nil && vcd != nil { throw ValidationError("--vcd traces one GEMM; leave it out with --topology") }
        if let vcd { do { try OutputFile.check(vcd) } catch { throw ValidationError("--vcd \(error)") } }
    }

    func run() throws {
        var architecture = try ArchitectureConfig.load(path: try BundledConfig.path(arch, kind: .arch))
        if let timing { architecture.array.timing = timing }
        if let mapping { architecture.array.mapping = mapping }
        if let weightSets { architecture.array.weightSets = weightSets }
        var experiment: GemmExperiment
        do {
            experiment = try GemmExperiment(architecture: architecture, format: try format.map { try FormatCatalog.parse($0, granularity: nil) },
                                            dataflow: dataflow, fidelity: fidelity, seed: seed)
        } catch GemmExperiment.Problem.formatNotRunByArray(_, let peType) {
            throw ValidationError("--format \(format ?? "") does not run on the \(peType) array of \(arch)")
        }
        experiment.check = check
        experiment.trace = vcd.map { ($0, vcdRow) }
        experiment.energy = try energy.map { try EnergyTable.load(path: try BundledConfig.path($0, kind: .energy)).priced(for: architecture) }
        let layers: [GemmTopology.Layer]
        if let topology {
            do { layers = try GemmTopology.load(path: topology).layers } catch let error as GemmTopology.ParseError { throw CLIError(error.description) }
        } else {
            layers = [GemmTopology.Layer(name: "gemm", m: m, n: n, k: k)]
        }
        let model = try RTLModel.shared()
        var reports: [GemmReport] = []
        for layer in layers {
            let outcome: GemmExperiment.Outcome
            do {
                outcome = try experiment.run(m: layer.m, k: layer.k, n: layer.n, on: model)
            } catch let problem as GemmExperiment.Problem {
                throw ValidationError("--vcd: \(problem.description)")
            }
            var report = GemmReport(architecture: architecture, format: experiment.format.name, m: layer.m, k: layer.k, n: layer.n,
                                    dataflow: experiment.dataflow, result: outcome.result, bitExact: outcome.bitExact)
            report.layer = layer.name
            report.energyPicojoules = outcome.energyPicojoules
            reports.append(report)
        }
        if topology != nil {
            try output.print(reports, csv: { GemmReport.csvText(reports) + "\n" }, text: { GemmReport.layerTable(reports) })
        } else {
            try output.print(reports[0], csv: { GemmReport.csvText(reports) + "\n" }, text: { reports[0].text() })
        }
        if reports.contains(where: { $0.bitExact == false }) { throw ExitCode(2) }
    }
}

extension Timing: ExpressibleByArgument {}
extension Mapping: ExpressibleByArgument {}
extension Dataflow: ExpressibleByArgument {}
extension Fidelity: ExpressibleByArgument {}

struct GemmReport: Encodable {
    var layer = "gemm"
    var architecture: String
    var format: String
    var m: Int, k: Int, n: Int
    var dataflow: String
    var timing: String
    var mapping: GemmMapping?
    var array: String
    var clockMHz: Double
    var totalCycles: UInt64
    var computeCycles: UInt64
    var stallCycles: UInt64
    var latencyMicroseconds: Double
    var utilization: Double
    var bitExact: Bool?
    var outputDigest: String
    var counters: [String: UInt64]
    /// Per component, when an energy table was given.
    var energyPicojoules: [String: Double]?

    init(architecture: ArchitectureConfig, format: String, m: Int, k: Int, n: Int, dataflow: Dataflow, result: GemmResult, bitExact: Bool?) {
        self.architecture = architecture.name
        self.format = format
        (self.m, self.k, self.n) = (m, k, n)
        self.dataflow = dataflow.rawValue
        timing = architecture.array.timing.rawValue
        mapping = result.mapping
        array = "\(architecture.array.rows)x\(architecture.array.columns) \(architecture.array.peType.rawValue)"
        clockMHz = architecture.clockMHz
        totalCycles = result.totalCycles
        computeCycles = result.computeCycles
        stallCycles = result.stallCycles
        latencyMicroseconds = Double(result.totalCycles) / architecture.clockMHz
        utilization = ArrayActivity.utilization(macs: ArrayActivity.macs(result.counters),
                                                processingElements: architecture.array.rows * architecture.array.columns, cycles: result.totalCycles)
        self.bitExact = bitExact
        outputDigest = result.output.isEmpty ? "none (fast fidelity)" : String(FNV1a.digest(of: result.output), radix: 16)
        counters = result.counters
    }

    static let layerColumns = ["layer", "M", "N", "K", "cycles", "compute_cycles", "stall_cycles", "utilization",
                               "dram_read_bytes", "dram_write_bytes"]

    var layerRow: [String] {
        [layer, "\(m)", "\(n)", "\(k)", "\(totalCycles)", "\(computeCycles)", "\(stallCycles)", String(format: "%.4f", utilization),
         "\((counters["dram.read_bits"] ?? 0) / 8)", "\((counters["dram.write_bits"] ?? 0) / 8)"]
    }

    static func csvText(_ reports: [GemmReport]) -> String {
        ([layerColumns] + reports.map(\.layerRow)).map { $0.joined(separator: ",") }.joined(separator: "\n")
    }

    static func layerTable(_ reports: [GemmReport]) -> String {
        guard let first = reports.first else { return "" }
        var table = TextTable(header: layerColumns)
        table.rows = reports.map(\.layerRow)
        return "\(first.architecture): \(first.array) PEs, \(first.format) weights, dataflow \(first.dataflow), timing \(first.timing)\n\n"
            + table.render()
    }

    func text() -> String {
        func megabytes(_ bits: UInt64?) -> String { String(format: "%.3f", Double(bits ?? 0) / 8e6) }
        var lines = [
            "\(architecture): \(array) PEs at \(String(format: "%g", clockMHz)) MHz, \(format) weights, dataflow \(dataflow), timing \(timing)",
            "GEMM M=\(m) K=\(k) N=\(n)", "",
        ]
        var summary = TextTable(header: ["", "value"])
        summary.rows = [
            ["total cycles", "\(totalCycles)"],
            ["compute cycles", "\(computeCycles)"],
            ["stall cycles", "\(stallCycles)"],
            ["latency (us)", String(format: "%.2f", latencyMicroseconds)],
            ["PE utilization", String(format: "%.1f%%", utilization * 100)],
            ["DRAM read (MB)", megabytes(counters["dram.read_bits"])],
            ["DRAM write (MB)", megabytes(counters["dram.write_bits"])],
            ["DRAM / compulsory", mapping.map { String(format: "%.2fx", Double((counters["dram.read_bits"] ?? 0) + (counters["dram.write_bits"] ?? 0)) / Double(max($0.compulsoryDRAMBits, 1))) } ?? "-"],
            ["mapping", mapping.map { "M tile \($0.mTile), N block \($0.nBlockColumns), K per load \($0.kChunk)" + ($0.weightsResident ? ", weights resident" : "") } ?? "-"],
            ["output digest", outputDigest],
        ]
        if let bitExact { summary.rows.append(["matches reference", bitExact ? "bit-exact" : "MISMATCH"]) }
        lines.append(summary.render())
        if let energy = energyPicojoules {
            let total = EnergyBreakdown.total(energy)
            var breakdown = TextTable(header: ["component", "energy (uJ)", "share"])
            for name in EnergyBreakdown.order where energy[name] != nil {
                breakdown.rows.append([name, String(format: "%.4f", energy[name]! / 1e6), String(format: "%.1f%%", 100 * energy[name]! / total)])
            }
            breakdown.rows.append(["total", String(format: "%.4f", total / 1e6), "100.0%"])
            lines += ["", breakdown.render()]
        }
        var table = TextTable(header: ["counter", "count"])
        for (name, value) in counters.sorted(by: { $0.key < $1.key }) where value > 0 { table.rows.append([name, "\(value)"]) }
        lines += ["", table.render()]
        return lines.joined(separator: "\n")
    }
}
