import Dispatch
import Foundation
import MantNumerics
import MantTensorIO

/// `make bench`: quantization throughput of every format on a 4096 x 4096 FP32 tensor using all
/// cores, as a ratio to plain INT4 round-to-nearest (int4, symmetric, group 64) timed in the same
/// run. With `--markdown FILE` the table replaces its section of FILE (BENCHMARKS.md).
struct Options {
    var markdown: String?
    var rows = 4096
    var columns = 4096
    var repeats = 5
    var simulationM = 64
    var simulationK = 4096
    var simulationN = 4096
    var configs = "Configs"
    /// Run one section only (quantize, simulation, workload, mapping, sweep, language-model or array-perplexity); the others keep their text.
    var only: String?

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            switch flag {
            case "--markdown": markdown = rest.popFirst()
            case "--rows": rows = Int(rest.popFirst() ?? "") ?? rows
            case "--columns": columns = Int(rest.popFirst() ?? "") ?? columns
            case "--repeats": repeats = Int(rest.popFirst() ?? "") ?? repeats
            case "--configs": configs = rest.popFirst() ?? configs
            case "--only": only = rest.popFirst()
            case "--gemm":
                let parts = (rest.popFirst() ?? "").split(separator: "x").compactMap { Int($0) }
                if parts.count == 3 { (simulationM, simulationK, simulationN) = (parts[0], parts[1], parts[2]) }
            default:
                FileHandle.standardError.write(Data("usage: mantsim-bench [--markdown FILE] [--rows R] [--columns C] [--repeats N] [--gemm MxKxN] [--configs DIR] [--only quantize|simulation|workload|mapping|sweep|language-model|array-perplexity]\n".utf8))
                exit(2)
            }
        }
    }
}

/// Replaces (or appends) the section between `<!-- bench:NAME:start -->` and its end marker.
func replaceSection(_ name: String, with section: String, in document: inout String) {
    if let start = document.range(of: "<!-- bench:\(name):start -->"), let end = document.range(of: "<!-- bench:\(name):end -->") {
        var upper = end.upperBound
        if upper < document.endIndex, document[upper] == "\n" { upper = document.index(after: upper) }
        document.replaceSubrange(start.lowerBound..<upper, with: section)
    } else {
        document += "\n" + section
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Median of `repeats` timed runs after one warm-up (one run for formats slower than 2 s).
func measure(_ format: any QuantizationFormat, _ tensor: Tensor, repeats: Int) throws -> Double {
    let first = try seconds { _ = try format.quantize(tensor) }
    if first > 2 { return first }
    var times = [Double]()
    for _ in 0..<repeats { times.append(try seconds { _ = try format.quantize(tensor) }) }
    return times.sorted()[times.count / 2]
}

func runBenchmarks() throws {
    let options = Options(CommandLine.arguments)
    var sections = [(String, String)]()
    func wanted(_ name: String) -> Bool { options.only == nil || options.only == name }
    if wanted("quantize") { sections.append(("quantize", try quantizationSection(options))) }
    if wanted("simulation") {
        FileHandle.standardError.write(Data("simulating a 64x64 M-ANT array...\n".utf8))
        sections.append(("simulation", try SimulationBenchmark.run(m: options.simulationM, k: options.simulationK, n: options.simulationN)))
    }
    if wanted("workload") {
        FileHandle.standardError.write(Data("running LLaMA-2-7B on every bundled architecture...\n".utf8))
        sections.append(("workload", try WorkloadBenchmark.run(configs: options.configs)))
    }
    if wanted("mapping") {
        FileHandle.standardError.write(Data("running LLaMA-2-7B with the fixed and the searched mapping...\n".utf8))
        sections.append(("mapping", try MappingBenchmark.run(configs: options.configs)))
    }
    if wanted("sweep") {
        FileHandle.standardError.write(Data("running a local sweep of 8 points alone and through mantsim sweep...\n".utf8))
        let mantsim = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("mantsim").path
        sections.append(("sweep", try SweepBenchmark.run(configs: options.configs, mantsim: mantsim)))
    }
    if wanted("language-model") {
        FileHandle.standardError.write(Data("running SmolLM2-135M's FP32 forward pass, OpenBLAS alone and the numpy reference...\n".utf8))
        let mantsim = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("mantsim").path
        sections.append(("language-model", try LanguageModelBenchmark.run(mantsim: mantsim)))
    }
    if wanted("array-perplexity") {
        FileHandle.standardError.write(Data("evaluating SmolLM2-135M under nine arrays' formats...\n".utf8))
        let mantsim = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("mantsim").path
        sections.append(("array-perplexity", try ArrayPerplexityBenchmark.run(mantsim: mantsim)))
    }
    for (_, text) in sections { print(text) }
    if let path = options.markdown {
        var document = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "# MantSim benchmarks\n\nEvery number here is produced by `make bench`; rerun it to refresh them.\n"
        for (name, text) in sections { replaceSection(name, with: text, in: &document) }
        try OutputFile.write(document, to: path)
    }
}

/// Every format's quantization throughput against INT4 round-to-nearest.
func quantizationSection(_ options: Options) throws -> String {
    let tensor = try SyntheticTensor.llmLike(rows: options.rows, columns: options.columns, seed: 2025)
    let weights = Double(tensor.count)
    let cores = ProcessInfo.processInfo.activeProcessorCount

    let baseline = try measure(try FormatCatalog.parse("int4").makeFormat(), tensor, repeats: options.repeats)
    var rows = [(String, Double, Double)]()
    for name in FormatCatalog.allDefault {
        let format = try FormatCatalog.parse(name).makeFormat()
        let time = name == "int4" ? baseline : try measure(format, tensor, repeats: options.repeats)
        rows.append((name == format.name ? name : "\(name) (\(format.name))", weights / time, time / baseline))
        FileHandle.standardError.write(Data("\(name): \(String(format: "%.3f", time)) s\n".utf8))
    }

    var table = "| format | weights/s | time vs int4 RTN |\n|---|---:|---:|\n"
    for (name, rate, ratio) in rows {
        table += "| \(name) | \(String(format: "%.3g", rate)) | \(String(format: "%.2f", ratio))x |\n"
    }
    let section = """
    <!-- bench:quantize:start -->
    ## Quantization throughput

    `make bench` (`mantsim-bench --markdown BENCHMARKS.md`, release build): every format quantizes the
    seeded synthetic \(options.rows) x \(options.columns) FP32 tensor on all \(cores) cores; median of \(options.repeats)
    runs after a warm-up (a single run for formats slower than 2 s). The ratio is time over plain INT4
    round-to-nearest (int4, symmetric, FP16 scale per group of 64) measured in the same run.
    Goal: M-ANT's full 16-candidate search within 8x of INT4 round-to-nearest.

    \(table)
    <!-- bench:quantize:end -->

    """

    return section
}

do {
    try runBenchmarks()
} catch {
    FileHandle.standardError.write(Data("mantsim-bench: \(error)\n".utf8))
    exit(1)
}
