import MantWorkload
import MantHardware

/// What to run: a model, a batch, a prompt and a number of generated tokens.
public struct WorkloadRequest {
    public var model: ModelConfig
    public var batch: Int
    public var promptLength: Int
    public var generatedTokens: Int
    public var phases: [Phase]
    public var seed: UInt64
    public var fidelity: Fidelity
    /// Real weights for the projections, FFN and LM head, layer by layer; synthetic when nil.
    /// Activations and the KV cache stay synthetic either way.
    public var weights: WeightSource?
    /// Cycle fidelity above `cycleFidelityMACLimit` runs only when this is set (`--yes`).
    public var confirmsLongRuns = false

    public init(model: ModelConfig, batch: Int = 1, promptLength: Int = 2048, generatedTokens: Int = 128,
                phases: [Phase] = Phase.allCases, seed: UInt64 = 2025, fidelity: Fidelity = .fast,
                weights: WeightSource? = nil) {
        self.model = model
        self.batch = batch
        self.promptLength = promptLength
        self.generatedTokens = generatedTokens
        self.phases = phases
        self.seed = seed
        self.fidelity = fidelity
        self.weights = weights
    }

    /// Every problem with the request, at once.
    /// Upper bounds, documented so that a request is refused before it allocates: sequences per
    /// batch, and tokens in one GEMM (batch x prompt; its activation rows are held in memory).
    public static let maxBatch = 4096, maxTokensPerGEMM = 1 << 20
    /// Cycle fidelity steps every PE of every tile: above 10^10 MACs (one instance of each array
    /// operator) it is refused unless confirmed, as it would run for hours.
    public static let cycleFidelityMACLimit: Double = 1e10

    /// MACs cycle fidelity steps one by one: one instance of each array operator of each phase.
    public var steppedMACs: Double {
        WorkloadRunner.schedule(self).reduce(0) { total, phase in
            phase.1.filter { $0.unit != .vector }.reduce(total) { $0 + Double($1.m) * Double($1.k) * Double($1.n) }
        }
    }

    /// The rules for the settings that need no model, written once: `validate()`, the CLI's
    /// options and sweep specs all check against them.
    public enum Rule {
        public static let batch = 1...WorkloadRequest.maxBatch
        public static let prompt = 1...Int.max
        public static let tokens = 0...Int.max
        /// Decode generates at least one token.
        public static let decodeTokens = 1...Int.max
    }

    public func validate() throws {
        var problems = [String]()
        if !Rule.batch.contains(batch) { problems.append("batch: expected 1 to \(WorkloadRequest.maxBatch), got \(batch)") }
        if !Rule.prompt.contains(promptLength) { problems.append("prompt length: expected at least 1 token, got \(promptLength)") }
        if !Rule.tokens.contains(generatedTokens) || generatedTokens > model.maxPositions {
            problems.append("generated tokens: expected 0 to \(model.name)'s max_position_embeddings \(model.maxPositions), got \(generatedTokens)")
        }
        let (tokens, overflow) = batch.multipliedReportingOverflow(by: max(promptLength, 1))
        if phases.contains(.prefill), batch >= 1, overflow || tokens > WorkloadRequest.maxTokensPerGEMM {
            problems.append("batch x prompt: \(overflow ? "more than \(Int.max)" : "\(tokens)") tokens in one prefill GEMM; at most \(WorkloadRequest.maxTokensPerGEMM)")
        }
        if phases.contains(.decode) && !Rule.decodeTokens.contains(generatedTokens) {
            problems.append("generated tokens: decode needs at least 1, got \(generatedTokens)")
        }
        if phases.isEmpty { problems.append("phases: choose prefill, decode or both") }
        let longest = promptLength.addingReportingOverflow(phases.contains(.decode) ? max(generatedTokens, 0) : 0)
        if longest.overflow || longest.partialValue > model.maxPositions {
            problems.append("context: \(longest.overflow ? "more than \(Int.max)" : "\(longest.partialValue)") tokens exceed \(model.name)'s max_position_embeddings \(model.maxPositions)")
        }
        if problems.isEmpty, fidelity == .cycle, !confirmsLongRuns, steppedMACs > WorkloadRequest.cycleFidelityMACLimit {
            problems.append("fidelity cycle: this workload steps \(String(format: "%.2g", steppedMACs)) MACs one by one, above the "
                + "\(String(format: "%.0g", WorkloadRequest.cycleFidelityMACLimit)) that cycle fidelity runs unasked (hours of work); "
                + "use fast fidelity, a smaller workload, or --yes to run it anyway")
        }
        if !problems.isEmpty { throw WorkloadError(problems: problems) }
    }
}

public struct WorkloadError: Error, CustomStringConvertible, Equatable {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }

    public init(problems: [String]) { self.problems = problems }
}
