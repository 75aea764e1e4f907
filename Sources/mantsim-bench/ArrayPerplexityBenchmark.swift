import Foundation
import MantConfig

/// The shipped model under each default array's formats: weight quantization time, and the
/// quantized evaluation's time against the FP32 forward pass on the same tokens.
enum ArrayPerplexityBenchmark {
    static let architectures = BundledConfig.comparison.joined(separator: ",")

    static func run(mantsim: String) throws -> String {
        guard FileManager.default.fileExists(atPath: LanguageModelBenchmark.model) else {
            throw BenchmarkError("\(LanguageModelBenchmark.model) is missing: run `make model` first")
        }
        let arguments = ["perplexity", "--no-cache", "--model-file", LanguageModelBenchmark.model, "--max-tokens", "1024", "--archs", architectures, "--json"]
        let output = try LanguageModelBenchmark.capture(mantsim, arguments)
        guard let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let reference = report["evaluation_seconds"] as? Double, let rows = report["architectures"] as? [[String: Any]] else {
            throw BenchmarkError("mantsim perplexity --json gave no architectures")
        }
        var table = "| architecture | weights | load and quantize (s) | evaluation (s) | evaluation vs FP32 | perplexity |\n|---|---|---:|---:|---:|---:|\n"
        table += "| fp32 | as stored | | \(String(format: "%.2f", reference)) | 1.00x | \(String(format: "%.3f", ((report["perplexity"] as? [String: Any])?["perplexity"] as? Double) ?? .nan)) |\n"
        for row in rows {
            let seconds = row["evaluation_seconds"] as? Double ?? .nan
            table += "| \(row["architecture"] ?? "") | \(row["weights"] ?? "") | \(String(format: "%.1f", row["load_seconds"] as? Double ?? .nan)) | "
                + "\(String(format: "%.2f", seconds)) | \(String(format: "%.2fx", seconds / reference)) | "
                + "\(String(format: "%.3f", ((row["perplexity"] as? [String: Any])?["perplexity"] as? Double) ?? .nan)) |\n"
        }
        return """
        <!-- bench:array-perplexity:start -->
        ## Perplexity under each array's formats

        `make bench ONLY=array-perplexity` (release build): `mantsim perplexity --max-tokens 1024 --archs \(architectures)`
        on the shipped SmolLM2-135M and the default text (2 windows of 512). "Load and quantize" reads the
        checkpoint and quantizes every linear weight in the array's format (VQ trains its codebooks on the real
        weights); "evaluation" is the forward passes and log-softmax with the array's activation and KV-cache
        rounding, against the FP32 model's evaluation on the same tokens in the same run.
        Goal: quantized evaluation within 2x of FP32.

        \(table)
        <!-- bench:array-perplexity:end -->

        """
    }
}
