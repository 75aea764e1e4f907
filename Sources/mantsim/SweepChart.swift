import Foundation
import MantSimulation
import MantWorkload

/// An SVG figure of compare over several prompts and batches: per phase and batch, each
/// architecture's speedup over the baseline against the prompt length (where the KV traffic grows).
struct SweepChart {
    let comparisons: [Comparison]

    static let panel = (width: 440.0, height: 240.0), margin = 60.0, titleHeight = 36.0
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    private struct Point { var prompt: Int, speedup: Double }

    func svg() -> String {
        let batches = Array(Set(comparisons.compactMap { $0.runs.first?.batch })).sorted()
        let prompts = Array(Set(comparisons.compactMap { $0.runs.first?.promptLength })).sorted()
        let phases = Phase.allCases.filter { phase in comparisons.contains { $0.rows.contains { $0.phase == phase } } }
        let architectures = comparisons.first?.runs.map(\.architecture) ?? []
        let cell = (width: SweepChart.panel.width + 2 * SweepChart.margin, height: SweepChart.panel.height + 2 * SweepChart.margin)
        let width = max(Double(max(phases.count, 1)) * cell.width, 800)
        // Legend columns wide enough for the longest name (about 7 px a character at 12 px).
        let entry = max(230, 30 + 7 * Double(architectures.map(\.count).max() ?? 0))
        let perRow = max(1, Int((width - SweepChart.margin) / entry))
        let height = SweepChart.titleHeight + Double(batches.count) * cell.height + 24 * Double(architectures.count / perRow + 1)
        var body = [text(x: width / 2, y: 24, "\(comparisons.first?.model ?? ""): speedup against \(comparisons.first?.baseline ?? "") by prompt length",
                          size: 16, anchor: "middle", bold: true)]
        for (row, batch) in batches.enumerated() {
            for (column, phase) in phases.enumerated() {
                let origin = (x: Double(column) * cell.width + SweepChart.margin, y: SweepChart.titleHeight + Double(row) * cell.height + SweepChart.margin)
                var lines = [(String, [Point])]()
                for architecture in architectures {
                    let points = comparisons.filter { $0.runs.first?.batch == batch }.compactMap { comparison -> Point? in
                        guard let prompt = comparison.runs.first?.promptLength,
                              let row = comparison.rows.first(where: { $0.architecture == architecture && $0.phase == phase }) else { return nil }
                        return Point(prompt: prompt, speedup: row.speedup)
                    }.sorted { $0.prompt < $1.prompt }
                    lines.append((architecture, points))
                }
                body += plot(lines, prompts: prompts, origin: origin, title: "\(phase.rawValue), batch \(batch): speedup (x)")
            }
        }
        let legendTop = SweepChart.titleHeight + Double(batches.count) * cell.height
        for (index, architecture) in architectures.enumerated() {
            let (x, y) = (SweepChart.margin + Double(index % perRow) * entry, legendTop + 24 * Double(index / perRow) + 12)
            body.append("<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"12\" height=\"12\" fill=\"\(colour(index))\"/>")
            body.append(text(x: x + 16, y: y + 1, architecture, size: 12, anchor: "start"))
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// One panel: prompt lengths evenly spaced along x, a line per architecture.
    private func plot(_ lines: [(String, [Point])], prompts: [Int], origin: (x: Double, y: Double), title: String) -> [String] {
        let (width, height) = SweepChart.panel
        let top = max(1, lines.flatMap { $0.1.map(\.speedup) }.max() ?? 1) * 1.15
        func x(_ prompt: Int) -> Double {
            let index = Double(prompts.firstIndex(of: prompt) ?? 0)
            return origin.x + (prompts.count > 1 ? index / Double(prompts.count - 1) : 0.5) * width
        }
        func y(_ value: Double) -> Double { origin.y + height - value / top * height }
        var out = [text(x: origin.x + width / 2, y: origin.y - 14, title, size: 13, anchor: "middle", bold: true)]
        for tick in 0...4 {
            let value = top * Double(tick) / 4
            out.append("<line x1=\"\(f(origin.x))\" y1=\"\(f(y(value)))\" x2=\"\(f(origin.x + width))\" y2=\"\(f(y(value)))\" stroke=\"#dddddd\"/>")
            out.append(text(x: origin.x - 6, y: y(value) + 4, String(format: "%.2f", value), size: 11, anchor: "end"))
        }
        for prompt in prompts { out.append(text(x: x(prompt), y: origin.y + height + 16, "\(prompt)", size: 11, anchor: "middle")) }
        out.append(text(x: origin.x + width / 2, y: origin.y + height + 34, "prompt (tokens)", size: 11, anchor: "middle"))
        out.append("<line x1=\"\(f(origin.x))\" y1=\"\(f(y(1)))\" x2=\"\(f(origin.x + width))\" y2=\"\(f(y(1)))\" stroke=\"#333333\" stroke-dasharray=\"4 3\"/>")
        for (index, line) in lines.enumerated() {
            let points = line.1.map { "\(f(x($0.prompt))),\(f(y($0.speedup)))" }.joined(separator: " ")
            out.append("<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(colour(index))\" stroke-width=\"2\"><title>\(escape(line.0))</title></polyline>")
            for point in line.1 {
                out.append("<circle cx=\"\(f(x(point.prompt)))\" cy=\"\(f(y(point.speedup)))\" r=\"3\" fill=\"\(colour(index))\"><title>\(escape(line.0)) \(point.prompt): \(String(format: "%.3f", point.speedup))x</title></circle>")
            }
        }
        return out
    }

    private func colour(_ index: Int) -> String { SweepChart.palette[index % SweepChart.palette.count] }
}
