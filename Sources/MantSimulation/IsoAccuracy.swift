import Foundation
import MantConfig
import MantHardware
import MantNumerics

/// Comparing at equal accuracy: for an architecture, the format of its own family that stores the
/// fewest bits per weight and still reaches a weight SQNR target on the weights a run quantizes
/// (the same seeded blocks `run` reports its weight SQNR on).
///
/// Candidates are the catalog's formats the array's PEs run (`PEType.takes`), at the
/// architecture's group size where the family has one: INT 2 to 8 bits, M-ANT 3 and 4, NF 2 to 4,
/// FP16; ANT, OliVe and MXFP4 define one width each. VQ candidates are the catalog's default
/// configurations whose codebooks the array's SRAM holds. The KV cache, activations and hardware
/// stay as the architecture's file says.
public enum IsoAccuracy {
    /// What "equal accuracy" means: a weight SQNR to reach, or a perplexity on a real model to stay
    /// within, in percent above the FP32 model's.
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        case weightSQNR(decibels: Double)
        case perplexity(percentAboveFP32: Double)

        /// `18` or `sqnr:18` (dB); `ppl:+2%` (also `ppl:2%`, `ppl:2`); nil for anything else.
        public init?(parsing text: String) {
            let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
            func number(_ body: Substring) -> Double? { Double(body).flatMap { $0.isFinite ? $0 : nil } }
            if lower.hasPrefix("ppl:") {
                var body = lower.dropFirst(4)
                if body.hasPrefix("+") { body = body.dropFirst() }
                if body.hasSuffix("%") { body = body.dropLast() }
                guard let percent = number(body), percent >= 0 else { return nil }
                self = .perplexity(percentAboveFP32: percent)
            } else {
                let body = lower.hasPrefix("sqnr:") ? lower.dropFirst(5) : Substring(lower)
                guard let decibels = number(body) else { return nil }
                self = .weightSQNR(decibels: decibels)
            }
        }

        public var description: String {
            switch self {
            case .weightSQNR(let decibels): return "\(decibels) dB"
            case .perplexity(let percent): return "ppl:+\(percent)%"
            }
        }

        /// Whether `value` (dB, or a perplexity) meets the target, given the FP32 model's perplexity.
        public func isReached(by value: Double, fp32 perplexity: Double?) -> Bool {
            switch self {
            case .weightSQNR(let decibels): return value >= decibels
            case .perplexity(let percent): return perplexity.map { value <= $0 * (1 + percent / 100) } ?? false
            }
        }

        /// Whether `a` is more accurate than `b`.
        public func isBetter(_ a: Double, than b: Double) -> Bool {
            if case .weightSQNR = self { return a > b }
            return a < b
        }
    }

    public struct Choice: Sendable {
        public var architecture: ArchitectureConfig
        public var weightSQNR: Double?
    }

    /// The cheapest candidate reaching `target` dB, or nil with the best candidate's SQNR when none does.
    public static func choose(_ architecture: ArchitectureConfig, request: WorkloadRequest, target: Double) throws
        -> (choice: Choice?, best: Double?) {
        let (choice, value, best) = try cheapest(architecture, target: .weightSQNR(decibels: target), fp32: nil) {
            try weightSQNR(of: $0, request: request) ?? .infinity
        }
        return (choice.map { Choice(architecture: $0, weightSQNR: value!.isFinite ? value : nil) }, best)
    }

    /// The candidate storing the fewest bits per weight whose measure (`measure`, e.g. a weight SQNR
    /// or a perplexity) reaches `target`, measured cheapest first and no further than needed; nil and
    /// the best value measured when none does.
    public static func cheapest(_ architecture: ArchitectureConfig, target: Target, fp32: Double?,
                                measure: (ArchitectureConfig) throws -> Double) throws
        -> (choice: ArchitectureConfig?, value: Double?, best: Double?) {
        var best: Double?
        for candidate in try candidates(of: architecture) {
            let value = try measure(candidate)
            if best.map({ target.isBetter(value, than: $0) }) ?? true { best = value }
            if target.isReached(by: value, fp32: fp32) { return (candidate, value, best) }
        }
        return (nil, nil, best)
    }

    /// The architecture with each candidate weight format, fewest stored bits per weight first.
    public static func candidates(of architecture: ArchitectureConfig) throws -> [ArchitectureConfig] {
        let own = architecture.weightFormat
        var result = [(bits: Double, architecture: ArchitectureConfig)]()
        // The catalog's formats, and the INT widths it does not list by name.
        for name in FormatCatalog.allDefault + ["int5", "int6", "int7"] {
            guard var format = try? FormatCatalog.parse(name, granularity: own.vq == nil ? own.granularity : nil), format.kind == own.kind,
                  architecture.array.peType.takes(format), (try? format.makeFormat()) != nil else { continue }
            if let scope = own.vq?.scope { format.vq?.scope = scope }
            var candidate = architecture
            candidate.weightFormat = format
            guard candidate.formatProblems.isEmpty else { continue }
            candidate.name = "\(architecture.name) with \(format.name)"
            result.append((format.nominalBitsPerWeight, candidate))
        }
        return result.sorted { $0.bits < $1.bits }.map(\.architecture)
    }

    /// SQNR of the run's weights (each distinct projection's seeded block) in the architecture's format.
    public static func weightSQNR(of architecture: ArchitectureConfig, request: WorkloadRequest) throws -> Double? {
        let operands = SyntheticOperands(architecture: architecture, seed: request.seed)
        for op in WorkloadRunner.shapesToPlan(request) where op.unit == .array { _ = try operands.weights(op.name, n: op.n, k: op.k) }
        return operands.weightError.decibels
    }
}

extension FormatDescriptor {
    /// Code bits plus the format's own metadata bits per group (QuantizationFormat.groupMetadataBits)
    /// shared by the group's weights; a VQ index per vector per stage.
    var nominalBitsPerWeight: Double {
        if let vq { return Double(vq.indexBits * vq.stages) / Double(vq.vectorLength) }
        switch granularity {
        case .group(let size): return Double(bits) + Double((try? makeFormat())?.groupMetadataBits ?? 0) / Double(size)
        default: return Double(bits)
        }
    }
}
