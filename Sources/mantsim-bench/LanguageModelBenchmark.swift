import Foundation
import MantModels
import MantTensorIO

/// The FP32 forward pass of the default model (SmolLM2-135M): tokens/s, its time against the same
/// matrix products run through OpenBLAS alone, against the numpy reference on the same tokens,
/// and the peak memory of a 2048-token window.
enum LanguageModelBenchmark {
    static let model = ".build/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let text = "/usr/share/common-licenses/GPL-3"
    static let python = ".build/reference-env/bin/python"

    static func median(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        var times = [Double]()
        for _ in 0..<repeats { times.append(try seconds(body)) }
        return times.sorted()[times.count / 2]
    }

    static func run(mantsim: String) throws -> String {
        guard FileManager.default.fileExists(atPath: model) else {
            throw BenchmarkError("\(model) is missing: run `make model` first")
        }
        let checkpoint = try Checkpoint(path: model)
        let model = try LanguageModel(checkpoint: checkpoint)
        let tokens = Array(try checkpoint.tokenizer().encode(String(contentsOfFile: text, encoding: .utf8)).prefix(2049))
        let context = 512
        let windows = Perplexity.windows(tokens: tokens.count, context: context)
        let products = windows.flatMap { model.matrixProducts(tokens: $0.count) }
        let flops = products.map(\.flops).reduce(0, +)
        _ = try Perplexity.evaluate(model, tokens: tokens, context: context)
        let forward = try median(3) { _ = try Perplexity.evaluate(model, tokens: tokens, context: context) }
        LanguageModel.runMatrixProducts(products)
        let blas = median(3) { LanguageModel.runMatrixProducts(products) }
        let scored = windows.map(\.count).reduce(0, +)

        // First, so that the largest child so far is this one (ru_maxrss is the largest child's).
        var usage = rusage()
        _ = try capture(mantsim, ["perplexity", "--no-cache", "--model-file", self.model, "--context", "2048", "--max-tokens", "2049", "--json"])
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        let peak = Double(usage.ru_maxrss) / 1024  // kilobytes on Linux

        var numpy = "not run (make reference-env)"
        var numpyRatio = ""
        if FileManager.default.isExecutableFile(atPath: python) {
            let output = try capture(python, ["Tests/Reference/reference.py", "perplexity", "--model", self.model, "--text", text,
                                              "--context", "\(context)", "--max-tokens", "\(tokens.count)"])
            if let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], let time = object["scoring_seconds"] as? Double {
                numpy = String(format: "%.2f s", time)
                numpyRatio = String(format: "%.2fx", time / forward)
            }
        }

        let cores = ProcessInfo.processInfo.activeProcessorCount

        return """
        <!-- bench:language-model:start -->
        ## Language model forward pass

        `make bench ONLY=language-model` (release build, \(cores) cores): SmolLM2-135M-Instruct (the Q4_1 GGUF,
        dequantized to FP32) scores the first \(tokens.count) tokens of Debian's GPL-3 text in windows of \(context)
        (\(windows.count) windows, \(scored) tokens), median of 3 runs after a warm-up. "OpenBLAS alone" runs the
        same \(products.count) `cblas_sgemm` calls (\(String(format: "%.1f", flops / 1e9)) GFLOP) on scratch buffers with nothing
        else around them; the numpy reference is `Tests/Reference/reference.py` on the same tokens
        (its scoring time only, model loading excluded, numpy's own OpenBLAS).
        Goals: within 1.5x of OpenBLAS alone; at least as fast as numpy.

        | measure | value |
        |---|---:|
        | forward + log-softmax, \(scored) tokens | \(String(format: "%.2f", forward)) s (\(String(format: "%.0f", Double(scored) / forward)) tokens/s) |
        | the same sgemm calls, OpenBLAS alone | \(String(format: "%.2f", blas)) s (\(String(format: "%.1f", flops / blas / 1e9)) GFLOP/s) |
        | forward time / OpenBLAS alone | \(String(format: "%.2f", forward / blas))x |
        | numpy reference, same tokens | \(numpy) |
        | numpy time / mantsim time | \(numpyRatio) |
        | peak RSS, `mantsim perplexity --context 2048 --max-tokens 2049` | \(String(format: "%.0f", peak)) MiB |

        <!-- bench:language-model:end -->

        """
    }

    /// Runs a program to completion and returns its standard output; fails on a non-zero exit.
    static func capture(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchmarkError("\(program) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
