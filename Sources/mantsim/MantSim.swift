import ArgumentParser
import MantSweep

@main
struct MantSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mantsim",
        abstract: "Cycle-level model of a systolic-array accelerator for low-bit LLM inference (M-ANT and its baselines).",
        discussion: """
        Start with `mantsim quantize --all`: it quantizes a seeded synthetic LLM-like weight matrix in
        every format MantSim models and reports bits per weight and the error of each.
        """,
        version: mantsimVersion,
        subcommands: [Run.self, Compare.self, Sweep.self, Report.self, Diff.self, Attention.self, KVStudyCommand.self, VQStudyCommand.self, BitsStudyCommand.self, Quantize.self, PerplexityCommand.self, TokenizeCommand.self, InspectCommand.self, Gemm.self, Memories.self, Formats.self, Limits.self, RTLCheck.self]
    )
}
