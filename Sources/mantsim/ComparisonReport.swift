import MantConfig
import MantSimulation
import MantWorkload

extension Comparison {
    func text() -> String {
        var lines = [String]()
        if let first = runs.first {
            lines += [WorkloadReport.workloadLine(first),
                      "baseline: \(baseline)" + (iso == "pe" ? "" : "; every other array resized to the baseline's \(iso == "area" ? "compute" : "total") area"), ""]
        }
        if let perplexity {
            lines.insert("perplexity: \(perplexity.model) on \(perplexity.text), \(perplexity.tokens) tokens in windows of \(perplexity.context), "
                         + "each array's weight, activation and KV formats (FP32 model: \(String(format: "%.3f", perplexity.fp32)))", at: min(2, lines.count))
        }
        var table = TextTable(header: ["phase", "architecture", "latency (ms)", "tokens/s", "speedup", "energy (mJ)", "energy reduction",
                                       "weight SQNR (dB)", "KV SQNR (dB)"] + (perplexity == nil ? [] : ["perplexity", "vs FP32"]))
        for row in rows {
            let accuracy = accuracy(of: row.architecture)
            table.rows.append([row.phase.rawValue, row.architecture, WorkloadReport.fixed(row.latencySeconds * 1e3, 3),
                               WorkloadReport.fixed(row.tokensPerSecond, 2), String(format: "%.2fx", row.speedup),
                               WorkloadReport.fixed(row.energy / 1e9, 3), String(format: "%.2fx", row.energyReduction),
                               WorkloadReport.decibels(accuracy?.weightSQNR), WorkloadReport.decibels(accuracy?.kvAttentionSQNR)]
                              + (perplexity.map { [Comparison.perplexityText($0.values[row.architecture]),
                                                   Comparison.increaseText($0.increase(of: row.architecture))] } ?? []))
        }
        lines.append(table.render())
        let components = EnergyBreakdown.order.filter { component in rows.contains { ($0.breakdown[component] ?? 0) > 0 } }
        var breakdown = TextTable(header: ["phase", "architecture"] + components.map { "\($0) (mJ)" })
        for row in rows {
            breakdown.rows.append([row.phase.rawValue, row.architecture] + components.map { WorkloadReport.fixed((row.breakdown[$0] ?? 0) / 1e9, 3) })
        }
        lines += ["", "Energy by component", breakdown.render(), "", "Architectures"]
        var architectures = TextTable(header: ["architecture", "array", "clock (MHz)", "weights", "KV", "activations", "DRAM", "area (mm^2)", "PE area"])
        for run in runs {
            let total = EnergyBreakdown.total(run.area)
            architectures.rows.append([run.architecture, "\(run.array) \(run.pe)" + (run.attentionUnit.map { " + \($0) attention" } ?? ""), WorkloadReport.format(run.clockMHz), run.weightFormat,
                                       run.kvFormat, "\(run.activationBits)-bit", run.dram, total > 0 ? String(format: "%.3f", total) : "-",
                                       total > 0 ? WorkloadReport.percent((run.area["pe"] ?? 0) / total) : "-"])
        }
        lines.append(architectures.render())
        if let accuracy = runs.first?.accuracy ?? nil {
            lines += ["", "SQNR: weights against FP32 over the \(accuracy.weights) weights each array quantized; KV cache: attention output "
                      + "against an FP32 cache at context \(accuracy.kvContext), kv-study's measure (queries and probabilities in FP32)"]
        }
        let pricing = runs.compactMap(\.dramEnergy)
        if Set(pricing).count == 1 {
            lines += ["DRAM energy: \(pricing[0])"]
        } else if !pricing.isEmpty {
            lines += ["DRAM energy:"] + runs.compactMap { run in run.dramEnergy.map { "  \(run.architecture): \($0)" } }
        }
        return lines.joined(separator: "\n")
    }

    /// Several workloads: each comparison, then the speedups by prompt and batch.
    static func text(_ comparisons: [Comparison]) -> String {
        var columns = [(label: String, comparison: Comparison, phase: Phase)]()
        for comparison in comparisons {
            guard let run = comparison.runs.first else { continue }
            for phase in Phase.allCases where comparison.rows.contains(where: { $0.phase == phase }) {
                columns.append(("p\(run.promptLength) b\(run.batch) \(phase.rawValue)", comparison, phase))
            }
        }
        var summary = TextTable(header: ["architecture"] + columns.map(\.label))
        for run in comparisons.first?.runs ?? [] {
            summary.rows.append([run.architecture] + columns.map { column in
                column.comparison.rows.first { $0.architecture == run.architecture && $0.phase == column.phase }
                    .map { String(format: "%.2fx", $0.speedup) } ?? "-"
            })
        }
        return (comparisons.map { $0.text() } + ["Speedup against \(comparisons.first?.baseline ?? "") by prompt (p) and batch (b)", summary.render()])
            .joined(separator: "\n\n")
    }

    static func csv(_ comparisons: [Comparison]) -> String {
        Comparison.csvHeader + "\n" + comparisons.map { $0.csv().split(separator: "\n").dropFirst().joined(separator: "\n") + "\n" }.joined()
    }

    static func increaseText(_ value: Double?) -> String {
        guard let value else { return "-" }
        return abs(value) < 1e4 ? String(format: "%+.1f%%", value) : String(format: "%+.3g%%", value)
    }

    static func perplexityText(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 1e4 ? String(format: "%.3f", value) : String(format: "%.3g", value)
    }

    func accuracy(of architecture: String) -> Accuracy? { runs.first { $0.architecture == architecture }?.accuracy ?? nil }

    static let csvHeader = "model,prompt,batch,baseline,phase,architecture,latency_s,tokens_per_s,speedup,energy_pj,energy_reduction,"
        + EnergyBreakdown.order.map { "energy_\($0)_pj" }.joined(separator: ",") + ",weight_sqnr_db,kv_sqnr_db,perplexity,perplexity_fp32"

    func csv() -> String {
        var lines = [Comparison.csvHeader]
        for row in rows {
            let workload = runs.first.map { ["\($0.promptLength)", "\($0.batch)"] } ?? ["", ""]
            let fields = [model] + workload + [baseline, row.phase.rawValue, row.architecture, "\(row.latencySeconds)", "\(row.tokensPerSecond)",
                          "\(row.speedup)", "\(row.energy)", "\(row.energyReduction)"] + EnergyBreakdown.order.map { "\(row.breakdown[$0] ?? 0)" }
                + [accuracy(of: row.architecture)?.weightSQNR, accuracy(of: row.architecture)?.kvAttentionSQNR,
                   perplexity?.values[row.architecture], perplexity?.fp32].map { $0.map { "\($0)" } ?? "" }
            lines.append(fields.map(WorkloadReport.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
