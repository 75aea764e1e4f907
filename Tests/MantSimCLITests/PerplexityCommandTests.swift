import Foundation
import XCTest
import MantNumerics
import MantTensorIO
import _TestSupport

final class PerplexityCommandTests: CLITestCase {
    private func tinyModel() throws -> String {
        let model = path("tiny.gguf")
        try TinyGGUF.write(to: model)
        try "hello hello 123, hell is hot.\n<s>hello again".write(toFile: path("text.txt"), atomically: true, encoding: .utf8)
        return model
    }

    private func json(_ run: Run) throws -> [String: Any] {
        XCTAssertEqual(run.status, 0, run.error)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
    }

    func testTextAndTokenIdsGiveTheSamePerplexity() throws {
        let model = try tinyModel()
        let fromText = try json(try mantsim("perplexity", "--model-file", model, "--text", path("text.txt"), "--context", "8", "--json"))
        let result = try XCTUnwrap(fromText["perplexity"] as? [String: Any])
        let tokens = try XCTUnwrap(result["tokens"] as? Int)
        let starts = stride(from: 0, to: tokens, by: 8).filter { tokens - $0 >= 2 }
        XCTAssertEqual(result["windows"] as? Int, starts.count)
        XCTAssertEqual(result["predictions"] as? Int, starts.map { min(8, tokens - $0) - 1 }.reduce(0, +))
        XCTAssertEqual(fromText["origin"] as? String, "gguf")

        let tokenize = try mantsim("tokenize", "--model-file", model, "--text", path("text.txt"), "--output", path("ids.npy"))
        XCTAssertEqual(tokenize.status, 0, tokenize.error)
        XCTAssertEqual(try NumpyFile.readIntegers(path: path("ids.npy")).count, tokens)
        let fromIds = try json(try mantsim("perplexity", "--model-file", model, "--tokens", path("ids.npy"), "--context", "8", "--json"))
        XCTAssertEqual((fromIds["perplexity"] as? [String: Any])?["perplexity"] as? Double, result["perplexity"] as? Double)

        let again = try json(try mantsim("perplexity", "--model-file", model, "--text", path("text.txt"), "--context", "8", "--json"))
        XCTAssertEqual((again["perplexity"] as? [String: Any])?["negative_log_likelihood"] as? Double, result["negative_log_likelihood"] as? Double,
                       "same inputs, same numbers")

        let csv = try mantsim("perplexity", "--model-file", model, "--text", path("text.txt"), "--context", "8", "--max-tokens", "5", "--csv")
        XCTAssertEqual(csv.status, 0, csv.error)
        let rows = csv.output.split(separator: "\n")
        XCTAssertEqual(rows.count, 2)
        XCTAssertTrue(rows[0].hasPrefix("model,model_file,origin,text,text_sha256,tokens,context,windows,predictions"))
        XCTAssertTrue(rows[1].contains(",5,8,1,4,"), String(rows[1]))
    }

    func testArchitecturesEvaluateBesideTheFP32Model() throws {
        let model = try tinyModel()
        let report = try json(try mantsim("perplexity", "--model-file", model, "--text", path("text.txt"), "--context", "8", "--archs", "int8,fp16", "--json"))
        let reference = try XCTUnwrap((report["perplexity"] as? [String: Any])?["perplexity"] as? Double)
        let rows = try XCTUnwrap(report["architectures"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["weights"] as? String }, ["int8/channel", "fp16"])
        XCTAssertEqual(rows.map { $0["activations"] as? String }, ["int8/token", "fp16"])
        for row in rows {
            let value = try XCTUnwrap((row["perplexity"] as? [String: Any])?["perplexity"] as? Double)
            XCTAssertEqual(row["increase_percent"] as? Double ?? .nan, 100 * (value / reference - 1), accuracy: 1e-9)
        }
        XCTAssertEqual(report["embedding"] as? String, "embedding (tied output head) as stored")
        let text = try mantsim("perplexity", "--model-file", model, "--text", path("text.txt"), "--context", "8", "--archs", "int8", "--quantize-embeddings")
        XCTAssertEqual(text.status, 0, text.error)
        XCTAssertTrue(text.output.contains("embedding (tied output head) in each weight format") && text.output.contains("int8/channel"), text.output)
    }

    func testResultsAreCachedAndACorruptCacheIsSetAside() throws {
        cacheHome = path("cache")
        let model = try tinyModel()
        let arguments = ["perplexity", "--model-file", model, "--text", path("text.txt"), "--context", "8", "--archs", "int8", "--json"]
        let first = try json(try mantsim(arguments))
        let second = try json(try mantsim(arguments))
        XCTAssertEqual(first["cached"] as? Bool, false)
        XCTAssertEqual(second["cached"] as? Bool, true)
        XCTAssertEqual((second["architectures"] as? [[String: Any]])?.first?["cached"] as? Bool, true)
        func values(_ report: [String: Any]) -> [Double] {
            [((report["perplexity"] as? [String: Any])?["negative_log_likelihood"] as? Double) ?? .nan]
                + ((report["architectures"] as? [[String: Any]]) ?? []).map { (($0["perplexity"] as? [String: Any])?["negative_log_likelihood"] as? Double) ?? .nan }
        }
        XCTAssertEqual(values(first), values(second), "a cache hit gives the same numbers")
        let fresh = try json(try mantsim(arguments + ["--no-cache"]))
        XCTAssertEqual(fresh["cached"] as? Bool, false)
        XCTAssertEqual(values(fresh), values(first))

        let cache = path("cache/mantsim/perplexity.sqlite")
        try Data("not a database at all".utf8).write(to: URL(fileURLWithPath: cache))
        let recovered = try mantsim(arguments)
        XCTAssertEqual(recovered.status, 0, recovered.error)
        XCTAssertTrue(recovered.error.contains("not a usable perplexity cache; moved to"), recovered.error)
        XCTAssertEqual(values(try json(recovered)), values(first))
        let aside = try FileManager.default.contentsOfDirectory(atPath: path("cache/mantsim")).filter { $0.contains("corrupt") }
        XCTAssertEqual(aside.count, 1)
    }

    func testCompareReportsPerplexityBesideCost() throws {
        let model = try tinyModel()
        try WorkloadCommandTests.tinyConfig.write(toFile: path("workload.json"), atomically: true, encoding: .utf8)
        let common = ["compare", "--archs", "int8,int4", "--baseline", "int8", "--model", path("workload.json"), "--prompt", "16", "--tokens", "1", "--phase", "decode",
                      "--eval-model", model, "--eval-text", path("text.txt"), "--eval-tokens", "20", "--eval-context", "8"]
        let report = try json(try mantsim(common + ["--json"]))
        let perplexity = try XCTUnwrap(report["perplexity"] as? [String: Any])
        XCTAssertEqual(perplexity["model"] as? String, "tiny")
        XCTAssertEqual(perplexity["tokens"] as? Int, 20)
        let values = try XCTUnwrap(perplexity["values"] as? [String: Double])
        XCTAssertEqual(Set(values.keys), ["INT8 (W8A8)", "INT4 group (W4A8)"])
        // The same numbers as perplexity --archs on the same tokens.
        let direct = try json(try mantsim("perplexity", "--model-file", model, "--text", path("text.txt"), "--max-tokens", "20", "--context", "8",
                                          "--archs", "int8,int4", "--json"))
        for row in try XCTUnwrap(direct["architectures"] as? [[String: Any]]) {
            XCTAssertEqual(values[row["architecture"] as! String], (row["perplexity"] as? [String: Any])?["perplexity"] as? Double)
        }
        let text = try mantsim(common)
        XCTAssertEqual(text.status, 0, text.error)
        XCTAssertTrue(text.output.contains("perplexity: tiny on") && text.output.contains("vs FP32"), text.output)
        let csv = try mantsim(common + ["--csv"])
        XCTAssertTrue(csv.output.split(separator: "\n")[0].hasSuffix(",perplexity,perplexity_fp32"), csv.output)
        let plotted = try mantsim(common + ["--plot", path("chart.svg")])
        XCTAssertEqual(plotted.status, 0, plotted.error)
        XCTAssertTrue(try String(contentsOfFile: path("chart.svg"), encoding: .utf8).contains("perplexity / FP32 model's"))
        let without = try mantsim(common + ["--no-perplexity"])
        XCTAssertFalse(without.output.contains("vs FP32"), without.output)
        // run: its array's perplexity in text, JSON and on each phase's total row of the CSV.
        let run = ["run", "--arch", "int4", "--model", path("workload.json"), "--prompt", "16", "--tokens", "1", "--phase", "decode"] + common.suffix(8)
        let runJSON = try json(try mantsim(run + ["--json"]))
        let runValue = try XCTUnwrap(((runJSON["perplexity"] as? [String: Any])?["values"] as? [String: Double])?["INT4 group (W4A8)"])
        XCTAssertEqual(runValue, values["INT4 group (W4A8)"])
        let runCSV = try mantsim(run + ["--csv"]).output.split(separator: "\n").map(String.init)
        XCTAssertTrue(runCSV[0].hasSuffix(",perplexity,perplexity_fp32"), runCSV[0])
        let total = runCSV[1].split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertEqual(total[3], "total")
        XCTAssertEqual(try XCTUnwrap(Double(total[total.count - 2])), runValue, accuracy: runValue * 1e-14)
        XCTAssertEqual(try XCTUnwrap(Double(total[total.count - 1])), try XCTUnwrap(perplexity["fp32"] as? Double), accuracy: 1e-9)
        XCTAssertTrue(runCSV[2].hasSuffix(",,"), "operator rows carry no perplexity: \(runCSV[2])")
        let missing = try mantsim(["compare", "--archs", "int8", "--model", path("workload.json"), "--prompt", "16", "--tokens", "1",
                                   "--eval-model", path("nothing.gguf")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.error.contains("--eval-model") && missing.error.contains("nothing.gguf"), missing.error)
    }

    /// --iso-accuracy ppl:+P%: each array runs its cheapest format whose perplexity on the
    /// evaluation model stays within P% of the FP32 model's, and the report shows that perplexity.
    func testCompareAtEqualPerplexity() throws {
        let model = try tinyModel()
        try WorkloadCommandTests.tinyConfig.write(toFile: path("workload.json"), atomically: true, encoding: .utf8)
        let common = ["compare", "--archs", "int8,int4", "--baseline", "int8", "--model", path("workload.json"), "--prompt", "16", "--tokens", "1", "--phase", "decode",
                      "--eval-model", model, "--eval-text", path("text.txt"), "--eval-tokens", "20", "--eval-context", "8"]
        let report = try json(try mantsim(common + ["--iso-accuracy", "ppl:+10%", "--json"]))
        let perplexity = try XCTUnwrap(report["perplexity"] as? [String: Any])
        let fp32 = try XCTUnwrap(perplexity["fp32"] as? Double)
        let values = try XCTUnwrap(perplexity["values"] as? [String: Double])
        for entry in try XCTUnwrap(report["runs"] as? [[String: Any]]) {
            let name = try XCTUnwrap(entry["architecture"] as? String)
            XCTAssertTrue(name.contains(" with int"), name)
            XCTAssertLessThanOrEqual(try XCTUnwrap(values[name], name), fp32 * 1.1, name)
        }
        let malformed = try mantsim(common + ["--iso-accuracy", "ppl:ten"])
        XCTAssertNotEqual(malformed.status, 0)
        XCTAssertTrue(malformed.error.contains("--iso-accuracy 'ppl:ten'") && malformed.error.contains("ppl:+2%"), malformed.error)
        let off = try mantsim(common + ["--iso-accuracy", "ppl:+2%", "--no-perplexity"])
        XCTAssertNotEqual(off.status, 0)
        XCTAssertTrue(off.error.contains("needs a perplexity"), off.error)
    }

    func testBadInputIsRefusedByName() throws {
        let model = try tinyModel()
        func refused(_ arguments: [String], _ expected: String) throws {
            let run = try mantsim(arguments)
            XCTAssertNotEqual(run.status, 0, "\(arguments)")
            XCTAssertTrue(run.error.contains(expected), "\(arguments): \(run.error) lacks \(expected)")
            XCTAssertFalse(run.error.contains("Fatal error"), run.error)
        }
        try refused(["perplexity", "--model-file", path("nothing.gguf")], "nothing.gguf does not exist")
        try refused(["perplexity", "--model-file", model, "--text", path("text.txt"), "--tokens", path("ids.npy")], "not both")
        try refused(["perplexity", "--model-file", model, "--context", "1"], "--context takes 2 to 1048576, got 1")
        try refused(["perplexity", "--model-file", model, "--text", path("text.txt"), "--archs", "int8,nosuch"], "nosuch")
        try refused(["perplexity", "--model-file", model, "--text", path("text.txt"), "--archs", "mant"],
                    "M-ANT on tiny (\(model)): key group: head dimension 4 is not a multiple of the K group 64")
        try refused(["perplexity", "--model-file", model, "--formats", "mant3"], "--formats applies to --archs")
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: URL(fileURLWithPath: path("binary.txt")))
        try refused(["perplexity", "--model-file", model, "--text", path("binary.txt")], "is not UTF-8 text")
        try NumpyFile.writeIntegers([1, 2, 5000], to: path("big.npy"))
        try refused(["perplexity", "--model-file", model, "--tokens", path("big.npy")], "token 2 is 5000")
        try NumpyFile.write(try MantNumerics.Tensor(shape: [2], values: [1, 2]), to: path("float.npy"))
        try refused(["perplexity", "--model-file", model, "--tokens", path("float.npy")], "is not an integer array")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: path("cut.gguf")))
        try refused(["perplexity", "--model-file", path("cut.gguf"), "--text", path("text.txt")], "cut.gguf: tensor")
        try refused(["tokenize", "--model-file", path("text.txt")], "text.txt: magic")
        try refused(["inspect", model, "--tensor", "nope", "--output", path("x.npy")], "no tensor named 'nope'")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.npy")))
    }
}
