import Foundation
import MantNumerics

struct FormatReport: Encodable {
    var format: String
    var stats: QuantizationStats
    /// Fingerprint of the codes and metadata (`QuantizedTensor.digest`).
    var digest: String
    /// M-ANT only: groups per selector, in selector order.
    var selectorHistogram: [Int]?

    enum CodingKeys: String, CodingKey {
        case format, bitsPerWeight, meanSquaredError, sqnrDecibels, maxAbsoluteError, coefficientHistogram, digest
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(stats.bitsPerWeight, forKey: .bitsPerWeight)
        try container.encode(stats.meanSquaredError, forKey: .meanSquaredError)
        try container.encode(stats.sqnrDecibels, forKey: .sqnrDecibels)
        try container.encode(stats.maxAbsoluteError, forKey: .maxAbsoluteError)
        try container.encode(digest, forKey: .digest)
        if let selectorHistogram {
            let labelled = Dictionary(uniqueKeysWithValues: selectorHistogram.enumerated().map {
                (QuantizeReport.coefficientLabel(selector: $0.offset), $0.element)
            })
            try container.encode(labelled, forKey: .coefficientHistogram)
        }
    }
}

struct QuantizeReport: Encodable {
    var source: String
    var shape: [Int]
    var results: [FormatReport]
    var output: String?

    static func coefficientLabel(selector: Int) -> String {
        MANTFormat.coefficient(selector: selector).map { "a=\($0)" } ?? "linear"
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func text() -> String {
        var table = TextTable(header: ["format", "bits/weight", "MSE", "SQNR dB", "max |error|"])
        for result in results {
            table.rows.append([
                result.format,
                String(format: "%.4f", result.stats.bitsPerWeight),
                String(format: "%.4e", result.stats.meanSquaredError),
                result.stats.sqnrDecibels.map { String(format: "%.2f", $0) } ?? "exact",
                String(format: "%.4e", result.stats.maxAbsoluteError),
            ])
        }
        var lines = ["\(source), shape \(shape)", "", table.render()]
        for result in results {
            guard let histogram = result.selectorHistogram else { continue }
            let groups = histogram.reduce(0, +)
            lines += ["", "\(result.format): groups choosing each a (of \(groups))"]
            var chart = TextTable(header: ["a", "groups", "share"])
            for (selector, count) in histogram.enumerated() where count > 0 {
                chart.rows.append([QuantizeReport.coefficientLabel(selector: selector).replacingOccurrences(of: "a=", with: ""),
                                   "\(count)", String(format: "%.1f%%", 100 * Double(count) / Double(groups))])
            }
            lines.append(chart.render())
        }
        if let output { lines += ["", "wrote \(output)"] }
        return lines.joined(separator: "\n")
    }
}
