import ArgumentParser
import Foundation
import MantConfig
import MantHardware
import MantSimulation
import MantTensorIO

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one workload on several architectures and report speedup and energy reduction against a baseline.",
        discussion: """
        Each architecture runs the same model, batch, prompt, generated tokens and seed (see `mantsim
        run`). Speedup = baseline latency / latency; energy reduction = baseline energy / energy, per
        phase. Rows are ordered by architecture name, so the order of --archs changes nothing.
        Beside the cost, each array's perplexity on a real model under its weight, activation and KV formats (`mantsim perplexity --archs`; SmolLM2-135M on Debian's GPL-3 text by default, 1,024 tokens in windows of 512, with the FP32 model's as reference), cached after the first run.
        --prompt and --batch take lists: every combination runs, each reported as its own
        comparison, then a summary of the speedups by prompt and batch.

        Examples:
          mantsim compare                                   # nine arrays vs INT8 on LLaMA-2-7B (the other bundled ones by name)
          mantsim compare --archs mant,int4,olive --baseline int4 --model llama-7b --phase decode
          mantsim compare --archs mant,fp16 --baseline fp16 --csv > results.csv --plot results.svg
          mantsim compare --archs int8,ant,olive,mant --prompt 1024,4096 --batch 1,16 --phase decode --tokens 16
          mantsim compare --archs int8,int4,mant,lut --iso-accuracy 18     # each at its fewest bits reaching 18 dB
          mantsim compare --archs int8,int4,mant,lut --iso-accuracy ppl:+5%   # ... staying within 5% of the FP32 model's perplexity
        """
    )

    @Option(help: "Architectures, comma-separated: bundled names or YAML paths.")
    var archs: String = BundledConfig.comparison.joined(separator: ",")

    @Option(help: "The architecture the others are compared with (one of --archs).")
    var baseline: String = "int8"

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "pe: every array as its config sizes it. area: every other array resized to the largest square array whose compute area (PEs, SAC rows, decoders, KV engine) fits the baseline's, buffers held as configured, as the M-ANT, ANT and OliVe papers compare; buffer ports (banks) and the weight link scale with the columns, and an attention unit's sides with the array's (it keeps its share of the PEs). chip: the same against the whole chip's area (buffers and vector unit included). Areas come from the energy table's area section.")
    var iso: IsoChoice = .pe

    @Option(name: .customLong("iso-accuracy"), help: ArgumentHelp("Compare at equal accuracy: give each architecture the weight format of its own family that stores the fewest bits per weight and reaches the target (INT 2-8 bits, M-ANT 3-4, NF 2-4; ANT, OliVe and MXFP4 have one width). The target is a weight SQNR in dB on the run's weights (18, or sqnr:18), or a perplexity on the evaluation model within P percent of the FP32 model's (ppl:+P%, with the array's activations and KV cache as configured). Hardware, KV cache and activations stay as configured.", valueName: "target"))
    var isoAccuracy: String?

    var isoTarget: IsoAccuracy.Target? { isoAccuracy.flatMap(IsoAccuracy.Target.init(parsing:)) }

    @OptionGroup var output: ReportOptions
    @OptionGroup var dram: DRAMOption
    @OptionGroup(title: "Perplexity") var evaluation: EvaluationOptions

    @Option(help: "Also write an SVG chart to this file: for one workload, speedup, energy breakdown and accuracy per phase; for lists of --prompt and --batch, each array's speedup against the prompt length, per phase and batch.")
    var plot: String?

    var names: [String] { archs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("--archs needs at least one architecture") }
        guard names.contains(baseline) else { throw ValidationError("--baseline \(baseline) is not among --archs \(names.joined(separator: ","))") }
        guard Set(names).count == names.count else { throw ValidationError("--archs names an architecture twice") }
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot writes SVG: give a FILE.svg") }
        if let isoAccuracy, isoTarget == nil {
            throw ValidationError("--iso-accuracy '\(isoAccuracy)': give a weight SQNR in dB (18 or sqnr:18) or a perplexity target within a percentage of at least 0 of the FP32 model's (ppl:+2%)")
        }
        if case .perplexity = isoTarget, evaluation.noPerplexity {
            throw ValidationError("--iso-accuracy \(isoAccuracy!) needs a perplexity; --no-perplexity leaves it out")
        }
    }

    func run() throws {
        // Where the chart goes is checked before the simulation, not after it.
        if let plot { do { try OutputFile.check(plot) } catch { throw CLIError("--plot \(error)") } }
        let requests = try workload.requests()
        let energy = try workload.energyTable()
        let architectures = try load(headDimension: requests[0].model.headDimension, energy: energy, requests: requests)
        let rtl = try RTLModel.shared()
        // Every architecture's run of every workload is checked before any runs: every problem at once.
        var runners = [String: WorkloadRunner]()
        var problems = [String]()
        for name in names {
            do {
                let runner = try WorkloadRunner(architecture: architectures[name]!, energy: energy, rtl: rtl)
                for request in requests { try runner.check(request) }
                runners[name] = runner
            } catch let error as WorkloadError {
                problems += error.problems.map { "\(architectures[name]!.name): \($0)" }
            } catch {
                problems.append("\(error)")
            }
        }
        if !problems.isEmpty { throw CLIError(problems.joined(separator: "\n")) }
        var comparisons = [Comparison]()
        for request in requests {
            var results = [String: RunResult]()
            for name in names { results[name] = try runWorkload(request, on: runners[name]!) }
            var comparison = Comparison(baseline: results[baseline]!, runs: names.map { results[$0]! })
            comparison.iso = iso.rawValue
            comparisons.append(comparison)
        }
        if let summary = try evaluation.summary(for: names.map { architectures[$0]! }) {
            for index in comparisons.indices { comparisons[index].perplexity = summary }
        }
        if let plot {
            try (comparisons.count == 1 ? ComparisonChart(comparisons[0]).svg() : SweepChart(comparisons: comparisons).svg()).writeAtomically(to: plot)
        }
        if comparisons.count == 1 {
            try output.print(comparisons[0], csv: comparisons[0].csv, text: comparisons[0].text)
        } else {
            try output.print(comparisons, csv: { Comparison.csv(comparisons) }, text: { Comparison.text(comparisons) })
        }
    }

    /// Every architecture, read and validated before anything runs, and resized for --iso.
    private func load(headDimension d: Int, energy: EnergyTable, requests: [WorkloadRequest]) throws -> [String: ArchitectureConfig] {
        var architectures = [String: ArchitectureConfig]()
        var problems = [String]()
        for name in names {
            do {
                architectures[name] = try dram.apply(to: try ArchitectureConfig.load(path: try BundledConfig.path(name, kind: .arch)))
            } catch {
                problems.append("\(error)")
            }
        }
        if !problems.isEmpty { throw CLIError(problems.joined(separator: "\n")) }
        for request in requests { try request.validate() }
        if let target = isoTarget {
            let measure: (ArchitectureConfig) throws -> Double
            var fp32: Double?
            switch target {
            case .weightSQNR:
                measure = { try IsoAccuracy.weightSQNR(of: $0, request: requests[0]) ?? .infinity }
            case .perplexity:
                let session = try evaluation.session(required: "--iso-accuracy \(isoAccuracy!)")!
                fp32 = try session.fp32()
                measure = session.perplexity(of:)
            }
            for name in names {
                let (choice, _, best) = try IsoAccuracy.cheapest(architectures[name]!, target: target, fp32: fp32, measure: measure)
                if let choice {
                    architectures[name] = choice
                } else {
                    let shown = best.map { value -> String in
                        if case .weightSQNR = target { return String(format: "%.2f dB", value) }
                        return String(format: "perplexity %.3f, %+.2f%% over the FP32 model's %.3f", value, 100 * (value / fp32! - 1), fp32!)
                    } ?? "none"
                    problems.append("--iso-accuracy \(isoAccuracy!): no \(architectures[name]!.array.peType.rawValue) format on \(architectures[name]!.name) reaches it (best \(shown))")
                }
            }
            if !problems.isEmpty { throw CLIError(problems.joined(separator: "\n")) }
        }
        guard iso != .pe else { return architectures }
        let model = try AreaModel(table: energy)
        let components = iso == .area ? AreaModel.core : nil
        let budget = try model.area(of: architectures[baseline]!, components: components, headDimension: d)
        for name in names where name != baseline {
            guard let resized = try model.resized(architectures[name]!, toArea: budget, components: components, headDimension: d) else {
                throw CLIError("--iso \(iso.rawValue): \(architectures[name]!.name) does not fit \(String(format: "%.3f", budget)) mm^2 even as a 2 x 2 array")
            }
            architectures[name] = resized
        }
        return architectures
    }
}

extension String {
    /// Writes whole or not at all, never over anything but a regular file (OutputFile).
    func writeAtomically(to path: String) throws {
        do {
            try OutputFile.write(self, to: path)
        } catch {
            throw CLIError("\(error)")
        }
    }
}

enum IsoChoice: String, CaseIterable, ExpressibleByArgument {
    case pe, area, chip
}
