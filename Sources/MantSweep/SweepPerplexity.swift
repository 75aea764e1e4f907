import MantConfig
import MantSimulation

/// What measures a sweep point's perplexity: the FP32 model's, and an architecture's under its formats.
public protocol PerplexityMeasure {
    func fp32() throws -> Double
    func perplexity(of architecture: ArchitectureConfig) throws -> Double
}

extension SweepDatabase {
    /// Records the perplexity of every point of `points` that is recorded without one, each
    /// distinct set of formats (ModelNumerics settings) measured once. `measure` is asked for only
    /// when some point needs it, and gives the measure and the words naming its model and text (nil:
    /// skip). Throws, after recording the rest, naming the points whose formats could not be measured.
    public func recordPerplexity(of points: [SweepPoint], measure: () throws -> (PerplexityMeasure, source: String)?,
                                 log: (String) -> Void) throws {
        let missing = try keysWithoutPerplexity()
        let pending = points.filter { missing.contains($0.key) }
        guard !pending.isEmpty, let (measure, source) = try measure() else { return }
        var groups = [String: [SweepPoint]]()
        var order = [String]()
        var problems = [String]()
        for point in pending {
            do {
                let settings = try point.architecture.modelNumerics(quantizeEmbedding: false).settings
                if groups[settings] == nil { order.append(settings) }
                groups[settings, default: []].append(point)
            } catch {
                problems.append("\(point.architectureName) (point \(point.index)): \(error)")
            }
        }
        let fp32 = try measure.fp32()
        log("perplexity of \(pending.count) point\(pending.count == 1 ? "" : "s") (\(order.count) distinct set\(order.count == 1 ? "" : "s") of formats) on \(source)")
        for settings in order {
            let group = groups[settings]!
            do {
                let value = try measure.perplexity(of: group[0].architecture)
                try recordPerplexity(value, fp32: fp32, source: source, keys: group.map(\.key))
            } catch {
                problems.append("\(group[0].architectureName) (\(group.count) point\(group.count == 1 ? "" : "s")): \(error)")
            }
        }
        if !problems.isEmpty {
            throw SweepError("perplexity not recorded for:\n" + problems.joined(separator: "\n") + "\n(their costs are recorded; --no-perplexity skips the evaluation)")
        }
    }
}
