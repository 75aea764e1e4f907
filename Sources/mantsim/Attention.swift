import ArgumentParser
import Foundation
import MantConfig
import MantHardware
import MantSimulation
import MantWorkload

struct Attention: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One decode step's attention for one layer on the SystemC model: cycles, traffic, counters, error against FP32.",
        discussion: """
        Each KV head's cache is built from seeded token streams (on the M-ANT array by the two-stage
        KV engine; on other arrays in their `kv` format). The step runs Q*K^T on the array, softmax on
        the vector unit and P*V on the array (M-ANT: over the closed V windows, with the open INT8
        window on the vector unit). The output is compared with attention over the FP32 cache.

        Examples:
          mantsim attention --model llama-2-7b --context 4096 --batch 1
          mantsim attention --arch int8 --model llama-3-8b --context 1000 --json
        """
    )

    @Option(help: "Architecture: a bundled name or a YAML path.")
    var arch: String = "mant"

    @OptionGroup var formats: FormatsOption
    @OptionGroup var dram: DRAMOption

    @Option(help: "Model: a bundled name or a config.json path.")
    var model: String = "llama-2-7b"

    @Option(help: "Tokens in the cache, the new one included.")
    var context: Int = 4096

    @Option(help: "Sequences: each runs the step on its own cache.")
    var batch: Int = 1

    @Option(help: "Energy table: a bundled node (28nm, 45nm) or a YAML path.")
    var energy: String = "28nm"

    @Option(help: "Seed of the token streams and queries.")
    var seed: UInt64 = 2025

    @OptionGroup var output: ReportOptions

    func validate() throws {
        try OptionBounds.check("attention", "--context", context)
        try OptionBounds.check("attention", "--batch", batch)
    }

    func run() throws {
        let architecture = try dram.apply(to: try formats.apply(to: try ArchitectureConfig.load(path: try BundledConfig.path(arch, kind: .arch))))
        let config = try ModelConfig.load(path: try BundledConfig.path(model, kind: .model))
        let table = try EnergyTable.load(path: try BundledConfig.path(energy, kind: .energy))
        let progress = SimulationProgress()
        let report = try AttentionStep(architecture: architecture, energy: table, rtl: try RTLModel.shared())
            .run(model: config, context: context, batch: batch, seed: seed) { done, total in
                progress.report("\(architecture.name): KV heads simulated", done: done, total: total)
            }
        progress.finish()
        try output.print(report, csv: { Attention.csv(report) }, text: { Attention.text(report, clockMHz: architecture.clockMHz) })
    }

    static func text(_ report: AttentionStep.Report, clockMHz: Double) -> String {
        var lines = ["\(report.architecture): one decode step's attention, one layer of \(report.model), context \(report.context), batch \(report.batch)",
                     "KV cache: \(report.kvFormat)", ""]
        var table = TextTable(header: ["part", "unit", "cycles", "latency (us)", "DRAM read (KB)", "DRAM write (KB)"])
        for part in report.parts {
            table.rows.append([part.name, part.unit, "\(part.cycles)", String(format: "%.2f", Double(part.cycles) / clockMHz),
                               String(format: "%.1f", Double(part.counters["dram.read_bits"] ?? 0) / 8192),
                               String(format: "%.1f", Double(part.counters["dram.write_bits"] ?? 0) / 8192)])
        }
        lines.append(table.render())
        lines += ["", "step: \(report.cycles) cycles, \(String(format: "%.2f", report.latencySeconds * 1e6)) us, "
                  + "\(String(format: "%.4f", EnergyBreakdown.total(report.energy) / 1e6)) uJ",
                  "output SQNR against the FP32 cache: " + (report.sqnrDecibels.map { String(format: "%.2f dB", $0) } ?? "exact")]
        if let step = report.engineStepCycles, let worst = report.engineWorstStepCycles {
            let hidden = report.engineCycles <= report.attentionCycles
            lines.append("KV engine: \(step) cycles for this token per KV head (a window-closing token: \(worst)); "
                         + "\(report.engineCycles) for the step against \(report.attentionCycles) of array and vector work: "
                         + (hidden ? "hidden" : "not hidden, adds \(report.engineCycles - report.attentionCycles) cycles"))
        }
        var energy = TextTable(header: ["component", "energy (nJ)"])
        for name in EnergyBreakdown.order where (report.energy[name] ?? 0) > 0 {
            energy.rows.append([name, String(format: "%.3f", report.energy[name]! / 1e3)])
        }
        lines += ["", energy.render()]
        var counters = TextTable(header: ["counter", "count"])
        var merged = [String: UInt64]()
        for part in report.parts { merged.merge(part.counters, uniquingKeysWith: +) }
        for (name, value) in merged.sorted(by: { $0.key < $1.key }) where value > 0 { counters.rows.append([name, "\(value)"]) }
        lines += ["", counters.render()]
        return lines.joined(separator: "\n")
    }

    static func csv(_ report: AttentionStep.Report) -> String {
        (["part,unit,cycles,dram_read_bits,dram_write_bits"] + report.parts.map {
            "\($0.name),\($0.unit),\($0.cycles),\($0.counters["dram.read_bits"] ?? 0),\($0.counters["dram.write_bits"] ?? 0)"
        }).joined(separator: "\n") + "\n"
    }
}
