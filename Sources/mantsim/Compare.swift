import ArgumentParser
import Foundation
import MantConfig
import MantHardware
import MantSimulation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one workload on several architectures and report speedup and energy reduction against a baseline.",
        discussion: """
        Each architecture runs the same model, batch, prompt, generated tokens and seed (see `mantsim
        run`). Speedup = baseline latency / latency; energy reduction = baseline energy / energy, per
        phase. Rows are ordered by architecture name, so the order of --archs changes nothing.

        Examples:
          mantsim compare                                   # nine arrays vs INT8 on LLaMA-2-7B (the other bundled ones by name)
          mantsim compare --archs mant,int4,olive --baseline int4 --model llama-7b --phase decode
          mantsim compare --archs mant,fp16 --baseline fp16 --csv > results.csv --plot results.svg
        """
    )

    @Option(help: "Architectures, comma-separated: bundled names or YAML paths.")
    var archs: String = "fp16,int8,int4,ant,olive,mxfp4,lut,vq,mant"

    @Option(help: "The architecture the others are compared with (one of --archs).")
    var baseline: String = "int8"

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "pe: every array as its config sizes it. area: every other array resized to the largest square array whose compute area (PEs, SAC rows, decoders, KV engine) fits the baseline's, buffers held as configured, as the M-ANT, ANT and OliVe papers compare; buffer ports (banks) and the weight link scale with the columns. chip: the same against the whole chip's area (buffers and vector unit included). Areas come from the energy table's area section.")
    var iso: IsoChoice = .pe

    @OptionGroup var output: ReportOptions

    @Option(help: "Also write an SVG chart (speedup and energy breakdown per phase) to this file.")
    var plot: String?

    var names: [String] { archs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("--archs needs at least one architecture") }
        guard names.contains(baseline) else { throw ValidationError("--baseline \(baseline) is not among --archs \(names.joined(separator: ","))") }
        guard Set(names).count == names.count else { throw ValidationError("--archs names an architecture twice") }
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot writes SVG: give a FILE.svg") }
    }

    func run() throws {
        let request = try workload.request()
        let energy = try workload.energyTable()
        // Every config is read and validated before anything runs.
        var architectures = [String: ArchitectureConfig]()
        var problems = [String]()
        for name in names {
            do {
                architectures[name] = try ArchitectureConfig.load(path: try BundledConfig.path(name, kind: .arch))
            } catch {
                problems.append("\(error)")
            }
        }
        if !problems.isEmpty { throw CLIError(problems.joined(separator: "\n")) }
        try request.validate()
        if iso != .pe {
            let model = try AreaModel(table: energy)
            let d = request.model.headDimension
            let components = iso == .area ? AreaModel.core : nil
            let budget = try model.area(of: architectures[baseline]!, components: components, headDimension: d)
            for name in names where name != baseline {
                guard let resized = try model.resized(architectures[name]!, toArea: budget, components: components, headDimension: d) else {
                    throw CLIError("--iso \(iso.rawValue): \(architectures[name]!.name) does not fit \(String(format: "%.3f", budget)) mm^2 even as a 2 x 2 array")
                }
                architectures[name] = resized
            }
        }
        let rtl = try RTLModel.shared()
        // Every architecture's run is checked before any runs: every problem at once.
        var runners = [String: WorkloadRunner]()
        for name in names {
            do {
                let runner = try WorkloadRunner(architecture: architectures[name]!, energy: energy, rtl: rtl)
                try runner.check(request)
                runners[name] = runner
            } catch let error as WorkloadError {
                problems += error.problems.map { "\(architectures[name]!.name): \($0)" }
            } catch {
                problems.append("\(error)")
            }
        }
        if !problems.isEmpty { throw CLIError(problems.joined(separator: "\n")) }
        var results = [String: RunResult]()
        for name in names { results[name] = try runWorkload(request, on: runners[name]!) }
        var comparison = Comparison(baseline: results[baseline]!, runs: names.map { results[$0]! })
        comparison.iso = iso.rawValue
        if let plot { try ComparisonChart(comparison).svg().writeAtomically(to: plot) }
        try output.print(comparison, csv: comparison.csv, text: comparison.text)
    }
}

extension String {
    /// Writes through a temporary file so a failed run leaves nothing half-written.
    func writeAtomically(to path: String) throws {
        do {
            try write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("\(path): cannot write (\(error.localizedDescription))")
        }
    }
}

enum IsoChoice: String, CaseIterable, ExpressibleByArgument {
    case pe, area, chip
}
