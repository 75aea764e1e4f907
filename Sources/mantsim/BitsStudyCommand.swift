import ArgumentParser
import Foundation
import MantConfig
import MantHardware
import MantNumerics
import MantSimulation
import MantStudies

struct BitsStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bits-study",
        abstract: "Quality and cost at equal bits per weight: M-ANT, INT, NF (LUT), VQ and MXFP4 at 2, 3 and 4 bits.",
        discussion: """
        Each family's format at each width quantizes the same tensor (weight SQNR; bits per weight
        with every scale, selector and codebook counted), and the GEMM X*W^T its array computes from
        the quantized operands (the arithmetic the SystemC array matches bit for bit, activations as
        that array reads them) is compared with the exact product (output SQNR). The same workload
        (see `mantsim run`) then runs on the family's architecture with its weight format replaced:
        mant (M-ANT), int4 (INT), lut (NF), vq (VQ) and mxfp4 (MXFP4); each keeps its array,
        activation bits and KV cache, shown in the table. M-ANT defines 3- and 4-bit grids and MXFP4
        is 4-bit, so those families skip the other widths.

        VQ widths: --vq2/--vq3/--vq4 name a configuration storing that many bits per weight
        (defaults gptvq2 <4,8,1>, vq-2-6-1, and vq-2-8-1, CQ-4's shape). aqlm3 also stores 3 bits,
        but its 4096-entry codebooks take minutes to train per operator of a 7B model.

        Examples:
          mantsim bits-study
          mantsim bits-study --bits 4 --families mant,int,nf,mxfp4 --phase decode --tokens 32 --csv
          mantsim bits-study --tensor-file model.safetensors --tensor model.layers.0.mlp.down_proj.weight
        """
    )

    @Option(help: "Families, comma-separated: mant, int, nf, vq, mxfp4.")
    var families: String = "mant,int,nf,vq,mxfp4"

    @Option(help: "Bits per weight, comma-separated (2...8).")
    var bits: String = "2,3,4"

    @Option(help: "Group size of the M-ANT, INT and NF formats (MXFP4's blocks are 32).")
    var group: Int = 64

    @Option(help: "VQ configuration storing 2 bits per weight.")
    var vq2: String = "gptvq2"

    @Option(help: "VQ configuration storing 3 bits per weight.")
    var vq3: String = "vq-2-6-1"

    @Option(help: "VQ configuration storing 4 bits per weight.")
    var vq4: String = "vq-2-8-1"

    @Option(name: .customLong("tensor-file"), help: "A .npy or .safetensors file holding the weight tensor [N, K] whose error is reported; without it, a seeded synthetic LLM-like one.",
            completion: .file(extensions: ["safetensors", "npy"]))
    var tensorFile: String?

    @OptionGroup var shape: TensorShapeOptions
    var tensor: String? { shape.tensor }
    var rows: Int { shape.rows }
    var columns: Int { shape.columns }

    @Option(help: "Activation rows (tokens) of the output-error GEMM.")
    var queries: Int = 16

    @OptionGroup var workload: WorkloadOptions

    @OptionGroup var output: ReportOptions
    @OptionGroup(title: "Perplexity") var evaluation: EvaluationOptions

    func validate() throws {
        for (option, value) in [("--rows", rows), ("--columns", columns), ("--queries", queries), ("--group", group)] {
            try OptionBounds.check("bits-study", option, value)
        }
        if tensorFile == nil, tensor != nil { throw ValidationError("--tensor names a tensor inside --tensor-file; give the file too") }
    }

    func run() throws {
        let chosen = try families.split(separator: ",").map { name -> BitsStudy.Family in
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let family = BitsStudy.Family(rawValue: trimmed) else {
                throw ValidationError("--families: '\(trimmed)' is not one of \(BitsStudy.Family.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return family
        }
        var architectures = [BitsStudy.Family: ArchitectureConfig]()
        for family in chosen {
            architectures[family] = try ArchitectureConfig.load(path: try BundledConfig.path(family.architecture, kind: .arch))
        }
        let (label, weights): (String, Tensor)
        if let tensorFile {
            (label, weights) = try TensorSourceOptions.read(file: tensorFile, tensor: tensor)
        } else {
            (label, weights) = ("synthetic \(rows)x\(columns) seed \(workload.seed)", try SyntheticTensor.llmLike(rows: rows, columns: columns, seed: workload.seed))
        }
        guard weights.shape.count == 2 else { throw CLIError("\(label): expected a matrix [N, K], got shape \(weights.shape)") }
        let activations = try SyntheticTensor.llmLike(rows: queries, columns: weights.shape[1], seed: workload.seed &+ 1)
        var setup = BitsStudy.Setup(architectures: architectures, weights: weights, activations: activations,
                                    request: try workload.request(), energy: try workload.energyTable())
        setup.families = chosen
        setup.bits = try VQStudyCommand.integers(bits, option: "--bits", example: "2,3,4")
        setup.group = group
        setup.vqConfigs = [2: vq2, 3: vq3, 4: vq4]
        let progress = SimulationProgress()
        var result = try BitsStudy.run(setup) { done, total in progress.report("formats run", done: done, total: total) }
        progress.finish()
        // Each feasible entry's weights on a real model, with its array's activations and KV cache.
        var evaluated = [ArchitectureConfig]()
        for row in result where row.infeasible == nil {
            guard var architecture = architectures[row.family], let format = try BitsStudy.format(row.family, bits: row.bits, setup: setup) else { continue }
            architecture.weightFormat = format
            architecture.name = row.architecture
            evaluated.append(architecture)
        }
        if let summary = try evaluation.summary(for: evaluated) {
            for index in result.indices {
                result[index].perplexity = summary.values[result[index].architecture]
                result[index].perplexityFP32 = summary.fp32
            }
        }
        try output.print(result, csv: { BitsStudyCommand.csv(result) }, text: { BitsStudyCommand.text(result, tensor: label, setup: setup) })
    }

    static func decibels(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "exact" }

    static func text(_ rows: [BitsStudy.Row], tensor: String, setup: BitsStudy.Setup) -> String {
        let phases = rows.first { $0.infeasible == nil }?.phases.map(\.phase) ?? []
        let perplexity = rows.contains { $0.perplexity != nil }
        var header = ["bits", "family", "format", "bits/weight", "weight SQNR dB", "output SQNR dB"] + (perplexity ? ["perplexity"] : []) + ["activations", "KV cache"]
        for phase in phases { header += ["\(phase.rawValue) ms", "\(phase.rawValue) tok/s", "\(phase.rawValue) mJ"] }
        var table = TextTable(header: header)
        for row in rows {
            var cells = ["\(row.bits)", row.family.rawValue, row.format, String(format: "%.3f", row.bitsPerWeight), decibels(row.weightSQNR),
                         decibels(row.outputSQNR)] + (perplexity ? [Comparison.perplexityText(row.perplexity)] : [])
                + [row.activationBits == 16 ? "FP16" : "INT\(row.activationBits)", row.kvFormat]
            for cost in row.phases {
                cells += [String(format: "%.3f", cost.latencySeconds * 1e3), String(format: "%.1f", cost.tokensPerSecond), String(format: "%.3f", cost.energy * 1e-9)]
            }
            if row.infeasible != nil { cells += Array(repeating: "infeasible", count: 3 * phases.count) }
            table.rows.append(cells)
        }
        let infeasible = rows.compactMap { row in row.infeasible.map { "infeasible: \(row.format) on \(row.architecture): \($0)" } }
        let request = setup.request
        var note = ""
        if let fp32 = rows.first(where: { $0.perplexityFP32 != nil })?.perplexityFP32 {
            note = "\nperplexity: a real model (the shipped one or --eval-model) under each entry's weights and its array's activations and KV cache "
                + "(FP32 model: \(String(format: "%.3f", fp32)))"
        }
        return ["Quality on \(tensor) (output error over \(setup.activations.shape[0]) tokens); cost on \(request.model.name), batch \(request.batch), "
                + "prompt \(request.promptLength), \(request.generatedTokens) generated tokens, \(request.fidelity.rawValue) fidelity, seed \(request.seed)",
                "", table.render()].joined(separator: "\n") + infeasible.map { "\n" + $0 }.joined() + note
    }

    static func csv(_ rows: [BitsStudy.Row]) -> String {
        var lines = ["bits,family,format,architecture,bits_per_weight,weight_sqnr_db,output_sqnr_db,activation_bits,kv_format,phase,latency_seconds,tokens_per_second,energy_pj,infeasible,perplexity,perplexity_fp32"]
        for row in rows {
            let quality = [String(row.bits), row.family.rawValue, row.format, "\"\(row.architecture)\"", "\(row.bitsPerWeight)",
                           row.weightSQNR.map { "\($0)" } ?? "", row.outputSQNR.map { "\($0)" } ?? "", "\(row.activationBits)", row.kvFormat]
            let perplexity = [row.perplexity.map { "\($0)" } ?? "", row.perplexityFP32.map { "\($0)" } ?? ""]
            for cost in row.phases {
                lines.append((quality + [cost.phase.rawValue, "\(cost.latencySeconds)", "\(cost.tokensPerSecond)", "\(cost.energy)", ""] + perplexity).joined(separator: ","))
            }
            if let reason = row.infeasible { lines.append((quality + ["", "", "", "", "\"\(reason)\""] + perplexity).joined(separator: ",")) }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
