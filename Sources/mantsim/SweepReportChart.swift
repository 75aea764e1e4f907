import Foundation
import MantSweep

/// SVG charts of a sweep's results: per phase, energy and area against latency with the Pareto
/// front marked, and tokens/s against batch (or prompt length) per architecture.
struct SweepReportChart {
    let rows: [SweepRow]

    static let panel = (width: 420.0, height: 260.0), margin = 70.0, titleHeight = 40.0

    var phases: [String] { ["prefill", "decode"].filter { phase in rows.contains { $0.phase == phase } } }
    var architectures: [String] {
        var seen = [String]()
        for row in rows where !seen.contains(row.architecture) { seen.append(row.architecture) }
        return seen
    }

    private func colour(_ architecture: String) -> String {
        SweepChart.palette[(architectures.firstIndex(of: architecture) ?? 0) % SweepChart.palette.count]
    }

    /// Energy per token (left) and area (middle) against time per token, and, when the points have
    /// one, perplexity against energy per token (right), a row per phase; the points on each
    /// panel's Pareto front ringed and joined. Per token, points of different batches and prompts
    /// compare as costs of the same thing.
    func pareto() -> String {
        let accuracy = rows.contains { $0.perplexity != nil }
        let cell = (width: SweepReportChart.panel.width + 2 * SweepReportChart.margin, height: SweepReportChart.panel.height + 2 * SweepReportChart.margin)
        var body = [String]()
        for (row, phase) in phases.enumerated() {
            let points = rows.filter { $0.phase == phase }
            let front = Set(SweepFront.pareto(points).map { "\($0.runID) \($0.index)" })
            let areaFront = Set(SweepFront.front(points, [{ $0.secondsPerToken }, { $0.areaMM2 }]).map { "\($0.runID) \($0.index)" })
            let top = SweepReportChart.titleHeight + Double(row) * cell.height + SweepReportChart.margin
            let series = points.compactMap { row in row.secondsPerToken.map { (row, $0 * 1e3) } }
            body += scatter(series.compactMap { row in row.0.energyPerToken.map { (row.0, row.1, $0 * 1e3) } }, front: front,
                            origin: (SweepReportChart.margin, top), title: "\(phase): energy against time, per token",
                            x: "time per token (ms)", y: "energy per token (mJ)")
            let withArea = series.filter { $0.0.areaMM2 != nil }
            body += scatter(withArea.map { ($0.0, $0.1, $0.0.areaMM2!) }, front: areaFront,
                            origin: (cell.width + SweepReportChart.margin, top), title: "\(phase): area against time per token",
                            x: "time per token (ms)", y: "area (mm^2)")
            if accuracy {
                let scored = points.compactMap { row in row.energyPerToken.flatMap { energy in row.perplexity.map { (row, energy * 1e3, $0) } } }
                body += scatter(scored, front: Set(SweepFront.accuracy(points).map { "\($0.runID) \($0.index)" }),
                                origin: (2 * cell.width + SweepReportChart.margin, top), title: "\(phase): perplexity against energy per token",
                                x: "energy per token (mJ)", y: "perplexity")
            }
        }
        return document(title: "Sweep: Pareto fronts per token (ringed), \(rows.count) point phases", cells: (accuracy ? 3 : 2, phases.count), cell: cell, body: body)
    }

    /// Tokens/s against batch (or prompt), a line per architecture: the best over the other axes.
    func throughput() -> String {
        let byBatch = Set(rows.map(\.batch)).count > 1
        let axis = byBatch ? "batch" : "prompt (tokens)"
        let cell = (width: SweepReportChart.panel.width + 2 * SweepReportChart.margin, height: SweepReportChart.panel.height + 2 * SweepReportChart.margin)
        var body = [String]()
        for (column, phase) in phases.enumerated() {
            let points = rows.filter { $0.phase == phase }
            let xs = Array(Set(points.map { Double(byBatch ? $0.batch : $0.prompt) })).sorted()
            var lines = [(String, [(Double, Double)])]()
            for architecture in architectures {
                var best = [Double: Double]()
                for point in points where point.architecture == architecture {
                    let x = Double(byBatch ? point.batch : point.prompt)
                    best[x] = max(best[x] ?? 0, point.tokensPerSecond ?? 0)
                }
                lines.append((architecture, best.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
            }
            body += linePanel(lines, xs: xs, origin: (Double(column) * cell.width + SweepReportChart.margin, SweepReportChart.titleHeight + SweepReportChart.margin),
                              title: "\(phase): tokens/s against \(byBatch ? "batch" : "prompt")", x: axis)
        }
        return document(title: "Sweep: throughput per architecture (best over the other axes)", cells: (max(phases.count, 1), 1), cell: cell, body: body)
    }

    private func document(title: String, cells: (Int, Int), cell: (width: Double, height: Double), body: [String]) -> String {
        let width = max(Double(cells.0) * cell.width, 600)
        let legendRows = Double(architectures.count + 3) / 4
        let height = SweepReportChart.titleHeight + Double(cells.1) * cell.height + 24 * legendRows.rounded(.down) + 20
        var legend = [String]()
        let legendTop = SweepReportChart.titleHeight + Double(cells.1) * cell.height
        let entry = max(180, 30 + 7 * Double(architectures.map(\.count).max() ?? 0))
        let perRow = max(1, Int((width - SweepReportChart.margin) / entry))
        for (index, architecture) in architectures.enumerated() {
            let (x, y) = (SweepReportChart.margin + Double(index % perRow) * entry, legendTop + 24 * Double(index / perRow) + 12)
            legend.append("<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"12\" height=\"12\" fill=\"\(colour(architecture))\"/>")
            legend.append(text(x: x + 16, y: y + 1, architecture, size: 12, anchor: "start"))
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height + 24 * Double(architectures.count / perRow)))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(text(x: width / 2, y: 26, title, size: 15, anchor: "middle", bold: true))
        \((body + legend).joined(separator: "\n"))
        </svg>

        """
    }

    /// A scale from the data's range: logarithmic when it spans more than 20x.
    private struct Scale {
        let low: Double, high: Double, log: Bool
        init(_ values: [Double]) {
            let positive = values.filter { $0 > 0 }
            var (a, b) = (positive.min() ?? 1, positive.max() ?? 1)
            if a == b { (a, b) = (a * 0.8, b * 1.2) }
            log = b / a > 20
            if log { (low, high) = (a / 1.3, b * 1.3) } else {
                let pad = max((b - a) * 0.08, b * 0.02, 1e-12)
                (low, high) = (max(0, a - pad), b + pad)
            }
        }
        func fraction(_ value: Double) -> Double {
            log ? (Foundation.log(max(value, low)) - Foundation.log(low)) / (Foundation.log(high) - Foundation.log(low)) : (value - low) / (high - low)
        }
        func ticks() -> [Double] { (0...4).map { log ? low * pow(high / low, Double($0) / 4) : low + (high - low) * Double($0) / 4 } }
    }

    private func axes(_ xs: Scale, _ ys: Scale, origin: (Double, Double), title: String, x: String, y: String, xTicks: [Double]? = nil) -> [String] {
        let (width, height) = SweepReportChart.panel
        var out = [text(x: origin.0 + width / 2, y: origin.1 - 14, title, size: 13, anchor: "middle", bold: true)]
        for tick in ys.ticks() {
            let py = origin.1 + height - ys.fraction(tick) * height
            out.append("<line x1=\"\(f(origin.0))\" y1=\"\(f(py))\" x2=\"\(f(origin.0 + width))\" y2=\"\(f(py))\" stroke=\"#dddddd\"/>")
            out.append(text(x: origin.0 - 6, y: py + 4, compact(tick), size: 10, anchor: "end"))
        }
        for tick in xTicks ?? xs.ticks() {
            let px = origin.0 + xs.fraction(tick) * width
            out.append(text(x: px, y: origin.1 + height + 16, compact(tick), size: 10, anchor: "middle"))
        }
        out.append("<rect x=\"\(f(origin.0))\" y=\"\(f(origin.1))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"none\" stroke=\"#999999\"/>")
        out.append(text(x: origin.0 + width / 2, y: origin.1 + height + 34, x + (xs.log ? " (log)" : ""), size: 11, anchor: "middle"))
        out.append("<text x=\"\(f(origin.0 - 58))\" y=\"\(f(origin.1 + height / 2))\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(origin.0 - 58)) \(f(origin.1 + height / 2)))\">\(escape(y + (ys.log ? " (log)" : "")))</text>")
        return out
    }

    private func scatter(_ points: [(SweepRow, Double, Double)], front: Set<String>, origin: (Double, Double), title: String, x: String, y: String) -> [String] {
        let (width, height) = SweepReportChart.panel
        let xs = Scale(points.map(\.1)), ys = Scale(points.map(\.2))
        var out = axes(xs, ys, origin: origin, title: title, x: x, y: y)
        func position(_ point: (SweepRow, Double, Double)) -> (Double, Double) {
            (origin.0 + xs.fraction(point.1) * width, origin.1 + height - ys.fraction(point.2) * height)
        }
        let onFront = points.filter { front.contains("\($0.0.runID) \($0.0.index)") }.sorted { $0.1 < $1.1 }
        if onFront.count > 1 {
            out.append("<polyline points=\"\(onFront.map { "\(f(position($0).0)),\(f(position($0).1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"#333333\" stroke-dasharray=\"4 3\"/>")
        }
        for point in points {
            let (px, py) = position(point)
            let ringed = front.contains("\(point.0.runID) \(point.0.index)")
            out.append("<circle cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"\(ringed ? 5 : 3.5)\" fill=\"\(colour(point.0.architecture))\""
                + (ringed ? " stroke=\"#000000\" stroke-width=\"1.5\"" : " fill-opacity=\"0.75\"")
                + "><title>\(escape(point.0.label)): \(SweepTables.number(point.1)), \(SweepTables.number(point.2))</title></circle>")
        }
        return out
    }

    private func linePanel(_ lines: [(String, [(Double, Double)])], xs values: [Double], origin: (Double, Double), title: String, x: String) -> [String] {
        let (width, height) = SweepReportChart.panel
        let xs = Scale(values), ys = Scale(lines.flatMap { $0.1.map(\.1) })
        var out = axes(xs, ys, origin: origin, title: title, x: x, y: "tokens/s", xTicks: values)
        for (architecture, points) in lines where !points.isEmpty {
            let placed = points.map { (origin.0 + xs.fraction($0.0) * width, origin.1 + height - ys.fraction($0.1) * height, $0) }
            out.append("<polyline points=\"\(placed.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour(architecture))\" stroke-width=\"2\"/>")
            for (px, py, point) in placed {
                out.append("<circle cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"3\" fill=\"\(colour(architecture))\"><title>\(escape(architecture)) \(SweepTables.number(point.0)): \(SweepTables.number(point.1)) tokens/s</title></circle>")
            }
        }
        return out
    }
}

/// "342.7k", "1.2M", "0.153": tick labels that fit beside an axis.
func compact(_ value: Double) -> String {
    let size = abs(value)
    if size >= 1e9 { return String(format: "%.4gG", value / 1e9) }
    if size >= 1e6 { return String(format: "%.4gM", value / 1e6) }
    if size >= 1e4 { return String(format: "%.4gk", value / 1e3) }
    return String(format: "%.4g", value)
}
