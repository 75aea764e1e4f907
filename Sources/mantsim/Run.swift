import ArgumentParser
import Foundation
import MantConfig
import MantHardware
import MantSimulation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an LLM workload (prefill and/or decode) on one architecture: latency, tokens/s, energy, traffic.",
        discussion: """
        Every projection, FFN and LM-head GEMM and every attention GEMM (Q*K^T over the quantized K
        cache, P*V over the quantized V cache) runs on the SystemC array; norms, softmax and
        activation functions run on the vector unit. Decode simulates attention at every step as
        the KV cache grows. Energy is the counters priced by the energy table.

        Examples:
          mantsim run --arch mant --model llama-2-7b
          mantsim run --arch Configs/arch/int8.yaml --model opt-6.7b --phase decode --tokens 32 --json
          mantsim run --arch mant --model llama-7b --phase prefill --prompt 512 --operations
          mantsim run --arch mant --formats mant3 --phase decode --tokens 16
        """
    )

    @Option(help: ArgumentHelp("Architecture: a bundled name (\(BundledConfig.names(.arch).joined(separator: ", "))) or a YAML path."))
    var arch: String = "mant"

    @OptionGroup var formats: FormatsOption
    @OptionGroup var dram: DRAMOption

    @OptionGroup var workload: WorkloadOptions

    @Flag(help: "Also list every operator: instances, cycles, energy.")
    var operations = false

    @OptionGroup var output: ReportOptions
    @OptionGroup(title: "Perplexity") var evaluation: EvaluationOptions

    func run() throws {
        let request = try workload.request()
        let energy = try workload.energyTable()
        let path = try BundledConfig.path(arch, kind: .arch)
        let architecture = try dram.apply(to: try formats.apply(to: try ArchitectureConfig.load(path: path)))
        var result = try runWorkload(request, architecture: architecture, energy: energy, rtl: try RTLModel.shared())
        result.perplexity = try evaluation.summary(for: [architecture])
        try output.print(result, csv: { WorkloadReport.csv([result]) }, text: { WorkloadReport.text(result, operations: operations) })
    }
}

/// --json or --csv instead of tables; one of them at most.
struct ReportOptions: ParsableArguments {
    @Flag(help: "Print JSON (every number the report has) instead of tables.")
    var json = false

    @Flag(help: "Print CSV (one row per item the table lists: architecture, phase and operator or total; GEMM; format) instead of tables.")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("choose --json or --csv, not both") }
    }

    func print<T: Encodable>(_ value: T, csv table: () -> String, text: () -> String) throws {
        if json {
            Swift.print(try WorkloadReport.json(value))
        } else if csv {
            Swift.print(table(), terminator: "")
        } else {
            Swift.print(text())
        }
    }
}

/// Text, JSON and CSV views of workload results.
enum WorkloadReport {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func header(_ result: RunResult) -> String {
        "\(result.architecture): \(result.array) \(result.pe) PEs" + (result.attentionUnit.map { " + \($0) attention unit" } ?? "")
            + " at \(format(result.clockMHz)) MHz, weights \(result.weightFormat), "
            + "KV \(result.kvFormat), \(result.activationBits)-bit activations, \(result.dram.uppercased()), \(result.energyNodeNanometres) nm energy"
    }

    static func workloadLine(_ result: RunResult) -> String {
        var line = "\(result.model), batch \(result.batch), prompt \(result.promptLength)"
        if result.generatedTokens > 0 { line += ", \(result.generatedTokens) generated tokens" }
        return line + " (\(result.fidelity) fidelity, seed \(result.seed))"
    }

    static func text(_ result: RunResult, operations: Bool) -> String {
        var lines = [header(result), workloadLine(result)]
        let area = EnergyBreakdown.total(result.area)
        if area > 0 {
            let parts = EnergyBreakdown.order.compactMap { name in result.area[name].map { "\(name) \(String(format: "%.3f", $0))" } }
            lines.append("area \(String(format: "%.3f", area)) mm^2: " + parts.joined(separator: ", "))
        }
        if let accuracy = result.accuracy { lines.append(accuracyLine(accuracy)) }
        if let pricing = result.dramEnergy { lines.append("DRAM energy: \(pricing)") }
        if let perplexity = result.perplexity {
            lines.append("perplexity \(Comparison.perplexityText(perplexity.values[result.architecture])) (\(Comparison.increaseText(perplexity.increase(of: result.architecture))) "
                         + "over the FP32 model's \(String(format: "%.3f", perplexity.fp32))) on \(perplexity.model), \(perplexity.tokens) tokens of \(perplexity.text) "
                         + "in windows of \(perplexity.context), under this array's weight, activation and KV formats")
        }
        lines.append("")
        var summary = TextTable(header: ["phase", "latency (ms)", "tokens/s", "energy (mJ)", "mJ/token", "PE util", "DRAM read (MB)", "DRAM write (MB)"])
        for phase in result.phases {
            summary.rows.append([phase.phase.rawValue, fixed(phase.latencySeconds * 1e3, 3), fixed(phase.tokensPerSecond, 2),
                                 fixed(phase.totalEnergy / 1e9, 3), fixed(phase.totalEnergy / 1e9 / Double(phase.tokens), 4),
                                 percent(phase.utilization), fixed(Double(phase.dramReadBits) / 8e6, 2), fixed(Double(phase.dramWriteBits) / 8e6, 2)])
        }
        lines.append(summary.render())
        var breakdown = TextTable(header: ["component"] + result.phases.map { "\($0.phase.rawValue) (mJ)" } + result.phases.map { "\($0.phase.rawValue) share" })
        for component in EnergyBreakdown.order where result.phases.contains(where: { ($0.energy[component] ?? 0) > 0 }) {
            breakdown.rows.append([component] + result.phases.map { fixed(($0.energy[component] ?? 0) / 1e9, 4) }
                + result.phases.map { percent(($0.energy[component] ?? 0) / $0.totalEnergy) })
        }
        lines += ["", "Energy by component", breakdown.render()]
        if operations {
            for phase in result.phases {
                var table = TextTable(header: ["operator", "unit", "M", "K", "N", "instances", "latency (ms)", "share", "energy (mJ)", "DRAM (MB)",
                                               "DRAM / compulsory", "mapping (M tile, N block, K per load)"])
                for op in phase.operations {
                    let mapping = op.mapping.map { "\($0.mTile), \($0.nBlockColumns), \($0.kChunk)" + ($0.weightsResident ? ", resident" : "") } ?? ""
                    table.rows.append([op.name, op.unit, "\(op.m)", "\(op.k)", "\(op.n)", "\(op.instances)",
                                       fixed(Double(op.cycles) / (result.clockMHz * 1e3), 3), percent(Double(op.cycles) / Double(max(phase.cycles, 1))),
                                       fixed(op.totalEnergy / 1e9, 4), fixed(Double(op.dramReadBits + op.dramWriteBits) / 8e6, 2),
                                       op.trafficOverCompulsory.map { fixed($0, 2) + "x" } ?? "", mapping])
                }
                lines += ["", "\(phase.phase.rawValue) operators (decode attention shapes at the last step)", table.render()]
            }
        }
        return lines.joined(separator: "\n")
    }

    static func decibels(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "exact" }

    static func accuracyLine(_ accuracy: Accuracy) -> String {
        "accuracy: weight SQNR \(decibels(accuracy.weightSQNR)) dB (\(accuracy.weights) weights), KV-cache attention SQNR "
            + "\(decibels(accuracy.kvAttentionSQNR)) dB at context \(accuracy.kvContext) (kv-study's measure)"
    }

    /// Perplexity (of the architecture's formats and of the FP32 model) is on each phase's total row.
    static let csvHeader = "architecture,model,phase,operator,unit,m,k,n,instances,cycles,latency_s,energy_pj,dram_read_bits,dram_write_bits,perplexity,perplexity_fp32"

    static func csv(_ results: [RunResult]) -> String {
        var lines = [csvHeader]
        for result in results {
            let perplexity = [result.perplexity?.values[result.architecture], result.perplexity?.fp32].map { $0.map { "\($0)" } ?? "" }
            for phase in result.phases {
                lines.append(([result.architecture, result.model, phase.phase.rawValue, "total", "", "", "", "", "1", "\(phase.cycles)",
                               "\(phase.latencySeconds)", "\(phase.totalEnergy)", "\(phase.dramReadBits)", "\(phase.dramWriteBits)"] + perplexity)
                    .map(csvField).joined(separator: ","))
                for op in phase.operations {
                    lines.append([result.architecture, result.model, phase.phase.rawValue, op.name, op.unit, "\(op.m)", "\(op.k)", "\(op.n)",
                                  "\(op.instances)", "\(op.cycles)", "\(Double(op.cycles) / (result.clockMHz * 1e6))", "\(op.totalEnergy)",
                                  "\(op.dramReadBits)", "\(op.dramWriteBits)", "", ""].map(csvField).joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
    static func format(_ value: Double) -> String { String(format: "%g", value) }
}
