import MantWorkload
import Foundation
import MantConfig
import MantSimulation

/// An SVG figure of a comparison: per phase, speedup over the baseline (left) and energy per
/// component normalised to the baseline's total (right, stacked); then accuracy, the weights' and
/// the KV cache's SQNR per architecture (dashed: the baseline's); with a real model evaluated, each
/// array's perplexity against the FP32 model's.
struct ComparisonChart {
    let comparison: Comparison

    init(_ comparison: Comparison) { self.comparison = comparison }

    static let gap = 40.0, titleHeight = 36.0
    /// Perplexity ratios above this are drawn at it, labelled with their value.
    static let perplexityCap = 4.0
    static let colours: [String: String] = [
        "pe": "#4e79a7", "sac": "#f28e2b", "decoder": "#e15759", "wbuf": "#76b7b2", "abuf": "#59a14f",
        "obuf": "#edc948", "vector": "#b07aa1", "kv": "#ff9da7", "dram": "#9c755f", "leakage": "#bab0ac",
        "dram_activate": "#5c3d2e", "dram_rw": "#9c755f", "dram_refresh": "#c9a27e", "dram_background": "#e6cfb3",
        "sram_leakage": "#79706e",
    ]

    func svg() -> String {
        let phases = Phase.allCases.filter { phase in comparison.rows.contains { $0.phase == phase } }
        let width = 2 * (ChartPanel.size.width + 2 * ChartPanel.margin) + ComparisonChart.gap
        let rowHeight = ChartPanel.size.height + 2 * ChartPanel.margin + 50
        let legendHeight = 40.0
        let accuracyRows = comparison.perplexity == nil ? 1 : 2
        let height = ComparisonChart.titleHeight + Double(phases.count + accuracyRows) * rowHeight + legendHeight
        var body = [String]()
        body.append(text(x: width / 2, y: 24, "\(comparison.model): speedup and energy against \(comparison.baseline)", size: 16, anchor: "middle", bold: true))
        for (index, phase) in phases.enumerated() {
            let rows = comparison.rows.filter { $0.phase == phase }
            let top = ComparisonChart.titleHeight + Double(index) * rowHeight
            let left = ChartPanel(origin: (ChartPanel.margin, top + ChartPanel.margin), title: "\(phase.rawValue): speedup (x)")
            body += left.bars(rows.map { ($0.architecture, [("speedup", $0.speedup)]) }, colour: { _ in "#4e79a7" }, reference: 1)
            let baselineEnergy = rows.first { $0.architecture == comparison.baseline }?.energy ?? 1
            let right = ChartPanel(origin: (ChartPanel.size.width + 3 * ChartPanel.margin + ComparisonChart.gap, top + ChartPanel.margin),
                                   title: "\(phase.rawValue): energy / \(comparison.baseline) energy")
            body += right.bars(rows.map { row in
                (row.architecture, EnergyBreakdown.order.map { ($0, (row.breakdown[$0] ?? 0) / baselineEnergy) })
            }, colour: { ComparisonChart.colours[$0] ?? "#999999" }, reference: 1)
        }
        body += accuracyPanels(top: ComparisonChart.titleHeight + Double(phases.count) * rowHeight)
        if let perplexity = comparison.perplexity {
            let top = ComparisonChart.titleHeight + Double(phases.count + 1) * rowHeight
            let panel = ChartPanel(origin: (ChartPanel.margin, top + ChartPanel.margin),
                                   title: "perplexity / FP32 model's (\(perplexity.model.prefix(24)), cut at \(f(ComparisonChart.perplexityCap))x)")
            body += panel.bars(comparison.runs.map { run in (run.architecture, [("perplexity", (perplexity.values[run.architecture] ?? 0) / perplexity.fp32)]) },
                               colour: { _ in "#a05195" }, reference: 1, cap: ComparisonChart.perplexityCap)
        }
        var x = ChartPanel.margin
        let legendY = height - legendHeight / 2
        for component in EnergyBreakdown.order where comparison.rows.contains(where: { ($0.breakdown[component] ?? 0) > 0 }) {
            body.append("<rect x=\"\(f(x))\" y=\"\(f(legendY - 9))\" width=\"12\" height=\"12\" fill=\"\(ComparisonChart.colours[component] ?? "#999999")\"/>")
            body.append(text(x: x + 16, y: legendY + 1, component, size: 12, anchor: "start"))
            x += 30 + 7 * Double(component.count)
        }
        return document(width: width, height: height, body: body)
    }

    /// Weight SQNR (left) and KV-cache attention SQNR (right) of each architecture, in dB.
    private func accuracyPanels(top: Double) -> [String] {
        let runs = comparison.runs
        let baseline = runs.first { $0.architecture == comparison.baseline }?.accuracy ?? nil
        let context = runs.first?.accuracy?.kvContext ?? 0
        let left = ChartPanel(origin: (ChartPanel.margin, top + ChartPanel.margin), title: "accuracy: weight SQNR (dB)")
        let right = ChartPanel(origin: (ChartPanel.size.width + 3 * ChartPanel.margin + ComparisonChart.gap, top + ChartPanel.margin),
                               title: "accuracy: KV-cache attention SQNR (dB), context \(context)")
        return left.bars(runs.map { ($0.architecture, [("weights", $0.accuracy?.weightSQNR ?? 0)]) }, colour: { _ in "#2f4b7c" },
                         reference: baseline?.weightSQNR ?? 0)
            + right.bars(runs.map { ($0.architecture, [("kv", $0.accuracy?.kvAttentionSQNR ?? 0)]) }, colour: { _ in "#665191" },
                         reference: baseline?.kvAttentionSQNR ?? 0)
    }

    private func document(width: Double, height: Double, body: [String]) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }
}

/// One bar chart: a bar per label, stacked when a label has several parts.
struct ChartPanel {
    static let size = (width: 440.0, height: 240.0)
    static let margin = 56.0

    let origin: (x: Double, y: Double)
    let title: String

    /// With `cap`, a bar taller than it is drawn at the cap and labelled with its own value.
    func bars(_ data: [(label: String, parts: [(String, Double)])], colour: (String) -> String, reference: Double, cap: Double? = nil) -> [String] {
        let (width, height) = ChartPanel.size
        let largest = min(max(reference, data.map { $0.parts.reduce(0) { $0 + $1.1 } }.max() ?? 1), cap ?? .infinity)
        let top = niceCeiling(largest * 1.1)
        func y(_ value: Double) -> Double { origin.y + height - value / top * height }
        var out = [text(x: origin.x + width / 2, y: origin.y - 14, title, size: 13, anchor: "middle", bold: true)]
        for tick in 0...4 {
            let value = top * Double(tick) / 4
            out.append("<line x1=\"\(f(origin.x))\" y1=\"\(f(y(value)))\" x2=\"\(f(origin.x + width))\" y2=\"\(f(y(value)))\" stroke=\"#dddddd\"/>")
            out.append(text(x: origin.x - 6, y: y(value) + 4, String(format: "%g", (value * 100).rounded() / 100), size: 11, anchor: "end"))
        }
        let slot = width / Double(max(data.count, 1))
        for (index, bar) in data.enumerated() {
            let x = origin.x + slot * Double(index) + slot * 0.15
            var base = 0.0, total = 0.0
            for (name, full) in bar.parts where full > 0 {
                total += full
                let value = min(full, (cap ?? .infinity) - base)
                guard value > 0 else { continue }
                out.append("<rect x=\"\(f(x))\" y=\"\(f(y(base + value)))\" width=\"\(f(slot * 0.7))\" height=\"\(f(y(base) - y(base + value)))\" fill=\"\(colour(name))\"><title>\(escape(bar.label)) \(name): \(String(format: "%.3f", full))</title></rect>")
                base += value
            }
            out.append(text(x: x + slot * 0.35, y: y(base) - 4, total < 1e4 ? String(format: "%.2f", total) : String(format: "%.2g", total), size: 10, anchor: "middle"))
            let (labelX, labelY) = (x + slot * 0.35, origin.y + height + 14)
            out.append("<text x=\"\(f(labelX))\" y=\"\(f(labelY))\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-30 \(f(labelX)) \(f(labelY)))\">\(escape(bar.label))</text>")
        }
        out.append("<line x1=\"\(f(origin.x))\" y1=\"\(f(y(reference)))\" x2=\"\(f(origin.x + width))\" y2=\"\(f(y(reference)))\" stroke=\"#333333\" stroke-dasharray=\"4 3\"/>")
        out.append("<line x1=\"\(f(origin.x))\" y1=\"\(f(origin.y + height))\" x2=\"\(f(origin.x + width))\" y2=\"\(f(origin.y + height))\" stroke=\"#333333\"/>")
        return out
    }

    /// 1, 2, 4, 6 or 8 times a power of ten, at least `value`: quarters of it read well.
    private func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 4.0, 6.0, 8.0, 10.0] where step * power >= value { return step * power }
        return 10 * power
    }
}

/// Chart helpers shared by ComparisonChart and SweepChart.
func f(_ value: Double) -> String { String(format: "%.1f", value) }

func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}

func text(x: Double, y: Double, _ content: String, size: Int, anchor: String, bold: Bool = false) -> String {
    "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\"\(bold ? " font-weight=\"bold\"" : "")>\(escape(content))</text>"
}
