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
    public func validate() throws {
        var problems = [String]()
        if batch < 1 { problems.append("batch: expected at least 1, got \(batch)") }
        if promptLength < 1 { problems.append("prompt length: expected at least 1 token, got \(promptLength)") }
        if phases.contains(.decode) && generatedTokens < 1 {
            problems.append("generated tokens: decode needs at least 1, got \(generatedTokens)")
        }
        if phases.isEmpty { problems.append("phases: choose prefill, decode or both") }
        let longest = promptLength + (phases.contains(.decode) ? generatedTokens : 0)
        if longest > model.maxPositions {
            problems.append("context: \(longest) tokens exceed \(model.name)'s max_position_embeddings \(model.maxPositions)")
        }
        if !problems.isEmpty { throw WorkloadError(problems: problems) }
    }
}

public struct WorkloadError: Error, CustomStringConvertible, Equatable {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }

    public init(problems: [String]) { self.problems = problems }
}
