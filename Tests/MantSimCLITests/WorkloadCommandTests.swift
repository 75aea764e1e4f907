import Foundation
import XCTest
import MantNumerics
import MantTensorIO

/// `mantsim run` and `mantsim compare` end to end, on a small model so each run takes a moment.
final class WorkloadCommandTests: CLITestCase {
    static let tinyConfig = """
    {"hidden_size": 256, "intermediate_size": 512, "num_attention_heads": 4, "num_key_value_heads": 2,
     "num_hidden_layers": 2, "vocab_size": 1000, "max_position_embeddings": 1024}
    """

    func tinyModel() throws -> String {
        let file = path("tiny.json")
        try WorkloadCommandTests.tinyConfig.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func testRunReportsBothPhasesAsTablesJSONAndCSV() throws {
        let model = try tinyModel()
        let text = try mantsim("run", "--arch", "mant", "--model", model, "--prompt", "64", "--tokens", "4", "--operations")
        XCTAssertEqual(text.status, 0, text.error)
        for needle in ["M-ANT: 32x32 mant PEs", "prefill", "decode", "Energy by component", "attention_scores", "lm_head", "dram",
                       "accuracy: weight SQNR", "KV-cache attention SQNR"] {
            XCTAssertTrue(text.output.contains(needle), "missing \(needle) in\n\(text.output)")
        }
        XCTAssertTrue(text.error.isEmpty, "progress must stay off a pipe: \(text.error)")

        let json = try mantsim("run", "--arch", "\(GemmCommandTests.arch)/int4.yaml", "--model", model, "--prompt", "64", "--tokens", "4", "--json")
        XCTAssertEqual(json.status, 0, json.error)
        let report = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [String: Any]
        let phases = report["phases"] as! [[String: Any]]
        XCTAssertEqual(phases.map { $0["phase"] as! String }, ["prefill", "decode"])
        XCTAssertEqual(phases[1]["tokens"] as? Int, 4)
        let again = try mantsim("run", "--arch", "\(GemmCommandTests.arch)/int4.yaml", "--model", model, "--prompt", "64", "--tokens", "4", "--json")
        XCTAssertEqual(again.output, json.output, "same inputs and seed must give the same bytes")

        let csv = try mantsim("run", "--arch", "fp16", "--model", model, "--phase", "decode", "--prompt", "32", "--tokens", "2", "--csv")
        XCTAssertEqual(csv.status, 0, csv.error)
        let lines = csv.output.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("architecture,model,phase,operator"))
        XCTAssertTrue(lines[1].hasPrefix("FP16,tiny,decode,total"))
        XCTAssertEqual(lines.count, 2 + 15)
    }

    /// `--formats` runs other formats on the same hardware: the weights move, the array does not.
    func testRunTakesAFormatsFileApartFromTheArchitecture() throws {
        let model = try tinyModel()
        let common = ["run", "--arch", "mant", "--model", model, "--prompt", "32", "--tokens", "2", "--json"]
        let base = try mantsim(common)
        let three = try mantsim(common + ["--formats", "mant3"])
        XCTAssertEqual(three.status, 0, three.error)
        let a = try JSONSerialization.jsonObject(with: Data(base.output.utf8)) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(three.output.utf8)) as! [String: Any]
        XCTAssertEqual(a["weightFormat"] as? String, "mant4/group64")
        XCTAssertEqual(b["weightFormat"] as? String, "mant3/group64")
        XCTAssertEqual(a["array"] as? String, b["array"] as? String)
        XCTAssertEqual(a["kvFormat"] as? String, b["kvFormat"] as? String)
        let file = path("bad-formats.yaml")
        try "weights: nf4\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try mantsim(common + ["--formats", file])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("bad-formats.yaml: formats.weights: nf4 does not run on a 'mant' array"), bad.error)
    }

    /// compare checks every architecture's run before running any: both cramped arrays are named
    /// at once, and nothing is printed.
    func testCompareNamesEveryArrayThatCannotRunBeforeRunningAny() throws {
        let model = try tinyModel()
        var files = [String]()
        for name in ["int8", "int4"] {
            let text = try String(contentsOfFile: "\(GemmCommandTests.arch)/\(name).yaml", encoding: .utf8)
            let file = path("cramped-\(name).yaml")
            try text.replacingOccurrences(of: "activation_bytes: 262144", with: "activation_bytes: 16").write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let run = try mantsim("compare", "--archs", "mant,\(files[0]),\(files[1])", "--baseline", "mant", "--model", model, "--prompt", "16", "--tokens", "1")
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.isEmpty, run.output)
        for name in ["INT8", "INT4"] {
            XCTAssertTrue(run.error.contains("cannot map onto \(name)"), run.error)
        }
        XCTAssertTrue(run.error.contains("buffers.activation_bytes"), run.error)
    }

    /// Lists of prompts and batches: every combination, each its own comparison, then a summary.
    func testCompareRunsEveryPromptAndBatchCombination() throws {
        let model = try tinyModel()
        let common = ["compare", "--archs", "int8,mant", "--model", model, "--prompt", "16,40", "--batch", "1,2", "--tokens", "1"]
        let csv = try mantsim(common + ["--csv"])
        XCTAssertEqual(csv.status, 0, csv.error)
        let lines = csv.output.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("model,prompt,batch,baseline,phase,architecture"))
        XCTAssertEqual(lines.count, 1 + 4 * 2 * 2, csv.output)
        XCTAssertEqual(Set(lines.dropFirst().map { $0.split(separator: ",")[1...2].joined(separator: ",") }), ["16,1", "16,2", "40,1", "40,2"])
        let text = try mantsim(common)
        XCTAssertTrue(text.output.contains("Speedup against INT8 (W8A8) by prompt (p) and batch (b)"), text.output)
        XCTAssertTrue(text.output.contains("p40 b2 decode"), text.output)
        let single = try mantsim("run", "--model", model, "--prompt", "16,40")
        XCTAssertNotEqual(single.status, 0)
        XCTAssertTrue(single.error.contains("compare takes lists"), single.error)
        let plot = try mantsim(common + ["--plot", path("sweep.svg")])
        XCTAssertEqual(plot.status, 0, plot.error)
        let svg = try String(contentsOfFile: path("sweep.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("speedup against INT8 (W8A8) by prompt length") && svg.contains("decode, batch 2: speedup (x)"), svg)
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2 * 2 * 2, "a line per array, phase and batch")
    }

    /// --iso-accuracy gives each array its cheapest format reaching the target, or names the ones
    /// that cannot reach it.
    func testCompareAtEqualAccuracy() throws {
        let model = try tinyModel()
        let common = ["compare", "--archs", "int8,mant", "--model", model, "--prompt", "16", "--tokens", "1", "--phase", "decode"]
        let run = try mantsim(common + ["--iso-accuracy", "12", "--json"])
        XCTAssertEqual(run.status, 0, run.error)
        let report = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as! [String: Any]
        for entry in report["runs"] as! [[String: Any]] {
            let accuracy = entry["accuracy"] as! [String: Any]
            XCTAssertGreaterThanOrEqual(accuracy["weightSQNR"] as! Double, 12, "\(entry["architecture"]!)")
        }
        let impossible = try mantsim(common + ["--iso-accuracy", "200"])
        XCTAssertNotEqual(impossible.status, 0)
        XCTAssertTrue(impossible.error.contains("no int format on INT8 (W8A8) reaches it") && impossible.error.contains("no mant format"), impossible.error)
    }

    func testCompareIsInvariantToArgumentOrderAndWritesAPlot() throws {
        let model = try tinyModel()
        let plot = path("chart.svg")
        let first = try mantsim("compare", "--archs", "mant,int8,fp16", "--baseline", "int8", "--model", model,
                                "--prompt", "48", "--tokens", "3", "--plot", plot)
        XCTAssertEqual(first.status, 0, first.error)
        let second = try mantsim("compare", "--archs", "fp16, int8,mant", "--baseline", "int8", "--model", model,
                                 "--prompt", "48", "--tokens", "3")
        XCTAssertEqual(second.output, first.output)
        XCTAssertTrue(first.output.contains("INT8 (W8A8)"))
        XCTAssertTrue(first.output.contains("1.00x"))
        XCTAssertTrue(first.output.contains("weight SQNR (dB)") && first.output.contains("KV SQNR (dB)"), first.output)
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertTrue(svg.contains("prefill: speedup"))
        XCTAssertTrue(svg.contains("decode: energy / INT8 (W8A8) energy"))
        XCTAssertTrue(svg.contains("accuracy: weight SQNR (dB)") && svg.contains("accuracy: KV-cache attention SQNR (dB)"))

        let iso = try mantsim("compare", "--archs", "int4,int8", "--baseline", "int8", "--model", model, "--prompt", "48", "--tokens", "3", "--iso", "area")
        XCTAssertEqual(iso.status, 0, iso.error)
        XCTAssertTrue(iso.output.contains("resized to the baseline's compute area"), iso.output)
        XCTAssertFalse(iso.output.contains("32x32 int            500  int4"), "INT4's smaller PEs buy a larger array")
        // PE areas by gates: the fused M-ANT PE is smaller than INT8's by transistors, so at INT8's
        // area it gets a larger array than with the composed areas; a PE with no Verilog is named.
        func mantRows(_ source: String) throws -> Int {
            let run = try mantsim("compare", "--archs", "mant,int8", "--baseline", "int8", "--model", model, "--prompt", "48", "--tokens", "3",
                                  "--iso", "area", "--pe-area", source)
            XCTAssertEqual(run.status, 0, run.error)
            let line = try XCTUnwrap(run.output.split(separator: "\n").first { $0.hasPrefix("M-ANT ") && $0.contains(" mant ") }, run.output)
            return try XCTUnwrap(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1].split(separator: "x")[0]), String(line))
        }
        XCTAssertGreaterThan(try mantRows("synthesized"), try mantRows("composed"))
        let ungated = try mantsim("compare", "--archs", "mxfp4,int8", "--baseline", "int8", "--model", model, "--prompt", "48", "--tokens", "3",
                                  "--iso", "area", "--pe-area", "synthesized")
        XCTAssertNotEqual(ungated.status, 0)
        XCTAssertTrue(ungated.error.contains("has no pe.mac_mxfp4_w5a8") && ungated.error.contains("synthesized.csv"), ungated.error)
        let csv = try mantsim("compare", "--archs", "mant,int8", "--baseline", "int8", "--model", model, "--prompt", "48", "--tokens", "3", "--csv")
        XCTAssertEqual(csv.status, 0, csv.error)
        XCTAssertEqual(csv.output.split(separator: "\n").count, 1 + 4)
        let json = try mantsim("compare", "--archs", "mant,int8", "--baseline", "int8", "--model", model, "--prompt", "48", "--tokens", "3", "--json")
        let comparison = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [String: Any]
        XCTAssertEqual((comparison["runs"] as! [Any]).count, 2)
        XCTAssertEqual((comparison["rows"] as! [Any]).count, 4)
    }

    /// Every SRAM priced at its own geometry; the VQ array builds its codebook SRAM, INT8 does not.
    func testMemoriesListsEverySRAMWithItsPriceAndArea() throws {
        let text = try mantsim("memories", "--arch", "int8")
        XCTAssertEqual(text.status, 0, text.error)
        for needle in ["INT8 (W8A8): SRAMs priced at 28 nm", "WBUF", "128 KiB", "ABUF", "OBUF", "KV window", "not built"] {
            XCTAssertTrue(text.output.contains(needle), "missing \(needle) in\n\(text.output)")
        }
        let json = try mantsim("memories", "--arch", "vq", "--energy", "45nm", "--json")
        XCTAssertEqual(json.status, 0, json.error)
        let rows = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [[String: Any]]
        let codebook = try XCTUnwrap(rows.first { $0["memory"] as? String == "codebook SRAM" })
        XCTAssertEqual(codebook["built"] as? Bool, true)
        XCTAssertGreaterThan(codebook["areaSquareMillimetres"] as? Double ?? 0, 0)
        let bad = try mantsim("memories", "--arch", "nonesuch")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("'nonesuch' is neither a file nor a bundled arch config"), bad.error)
    }

    func testKVStudyReportsEverySchemeAtEveryContext() throws {
        let run = try mantsim("kv-study", "--contexts", "65,100", "--heads", "2", "--kv-heads", "1", "--queries", "1")
        XCTAssertEqual(run.status, 0, run.error)
        for needle in ["mant4-two-stage", "mant4-one-stage", "int4-token", "@65 tokens", "@100 tokens", "V quantized, K in FP32"] {
            XCTAssertTrue(run.output.contains(needle), "missing \(needle) in\n\(run.output)")
        }
        let csv = try mantsim("kv-study", "--contexts", "65", "--heads", "2", "--kv-heads", "1", "--queries", "1", "--csv")
        XCTAssertEqual(csv.output.split(separator: "\n").count, 1 + 5)
        XCTAssertTrue(csv.output.hasPrefix("scheme,context,sqnr_db,value_only_sqnr_db,bits_per_value,perplexity,perplexity_fp32\n"), csv.output)
        let rows = csv.output.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let shipped = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        if FileManager.default.fileExists(atPath: shipped) {
            XCTAssertTrue(rows.allSatisfy { Double($0[5]) != nil && Double($0[6]) != nil }, "every scheme's perplexity on the shipped model: \(csv.output)")
        }
        let bad = try mantsim("kv-study", "--contexts", "64", "--head-dim", "96")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("head dimension: must be a positive multiple of the K group 64"), bad.error)
        let empty = try mantsim("kv-study", "--contexts", "0")
        XCTAssertTrue(empty.error.contains("--contexts takes 1 to 131072, got 0"), empty.error)
    }

    func testBitsStudyReportsQualityAndCostPerFormat() throws {
        let model = try tinyModel()
        let common = ["bits-study", "--model", model, "--prompt", "32", "--tokens", "2", "--rows", "16", "--columns", "128", "--queries", "2"]
        let csv = try mantsim(common + ["--bits", "3,4", "--families", "mant,mxfp4", "--csv"])
        XCTAssertEqual(csv.status, 0, csv.error)
        let lines = csv.output.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("bits,family,format,architecture,bits_per_weight,weight_sqnr_db"))
        // mant3, mant4, mxfp4 (4-bit only), each with prefill and decode.
        XCTAssertEqual(lines.count, 1 + 3 * 2, csv.output)
        XCTAssertTrue(lines[0].hasSuffix(",perplexity,perplexity_fp32"), String(lines[0]))
        let shipped = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        if FileManager.default.fileExists(atPath: shipped) {
            XCTAssertTrue(lines.dropFirst().allSatisfy { line in line.split(separator: ",", omittingEmptySubsequences: false).suffix(2).allSatisfy { Double($0) != nil } },
                          "each entry's perplexity on the shipped model: \(csv.output)")
        }
        let text = try mantsim(common + ["--bits", "2", "--families", "int"])
        XCTAssertEqual(text.status, 0, text.error)
        XCTAssertTrue(text.output.contains("int2/group64") && text.output.contains("weight SQNR dB"), text.output)
        let bad = try mantsim(common + ["--families", "int,fp8"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("'fp8' is not one of mant, int, nf, vq, mxfp4"), bad.error)
        let missing = try mantsim(common + ["--tensor-file", path("absent.npy")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.error.contains("absent.npy"), missing.error)
    }

    func testVQStudyReportsEveryPoint() throws {
        let run = try mantsim("vq-study", "--configs", "gptvq2", "--kv-configs", "cq2", "--hot", "0,32", "--banks", "2", "--rows", "8", "--csv")
        XCTAssertEqual(run.status, 0, run.error)
        let lines = run.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 3 * 2 + 2 * 2, run.output)
        XCTAssertEqual(lines.filter { $0.hasPrefix("cq2,attention") }.count, 4, run.output)
        XCTAssertTrue(lines[0].hasPrefix("config,shape,m,k,n,banks,hot_entries,total_cycles"))
        let bad = try mantsim("vq-study", "--arch", "int8")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("vq-study needs a VQ array"), bad.error)
    }

    func testAttentionStepReportsPartsErrorAndTheEngine() throws {
        let model = try tinyModel()
        let run = try mantsim("attention", "--model", model, "--context", "130")
        XCTAssertEqual(run.status, 0, run.error)
        for needle in ["kv_engine", "attention_scores", "softmax", "attention_values", "open_window_values", "output SQNR", "KV engine:"] {
            XCTAssertTrue(run.output.contains(needle), "missing \(needle) in\n\(run.output)")
        }
        let json = try mantsim("attention", "--arch", "int4", "--model", model, "--context", "64", "--json")
        let report = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [String: Any]
        XCTAssertEqual(report["context"] as? Int, 64)
        XCTAssertNotNil(report["sqnrDecibels"] as? Double)
        let bad = try mantsim("attention", "--model", model, "--context", "0")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("--context takes 1 to 1048576, got 0"), bad.error)
    }

    func testRunReadsCheckpointWeights() throws {
        let model = try tinyModel()
        var tensors = [(name: String, tensor: Tensor)]()
        let shapes: [(String, Int, Int)] = [("self_attn.q_proj", 256, 256), ("self_attn.k_proj", 128, 256), ("self_attn.v_proj", 128, 256),
                                            ("self_attn.o_proj", 256, 256), ("mlp.gate_proj", 512, 256), ("mlp.up_proj", 512, 256),
                                            ("mlp.down_proj", 256, 512)]
        for layer in 0..<2 {
            for (name, rows, columns) in shapes {
                tensors.append(("model.layers.\(layer).\(name).weight", try SyntheticTensor.llmLike(rows: rows, columns: columns, seed: UInt64(layer))))
            }
        }
        let file = path("tiny.safetensors")
        try SafetensorsFile.write(tensors, to: file)
        let missing = try mantsim("run", "--arch", "int8", "--model", model, "--prompt", "16", "--tokens", "1", "--weights", file)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.error.contains("lm_head.weight or model.embed_tokens.weight: missing"), missing.error)
        tensors.append(("lm_head.weight", try SyntheticTensor.llmLike(rows: 1000, columns: 256, seed: 9)))
        try SafetensorsFile.write(tensors, to: file)
        let run = try mantsim("run", "--arch", "int8", "--model", model, "--prompt", "16", "--tokens", "1", "--weights", file, "--json")
        XCTAssertEqual(run.status, 0, run.error)
        XCTAssertTrue(run.output.contains("\"q_proj\""))
    }

    func testBadInputIsNamedAndNothingIsWritten() throws {
        let model = try tinyModel()
        let plot = path("never.svg")
        let unknown = try mantsim("compare", "--archs", "mant,tpu", "--baseline", "mant", "--model", model, "--plot", plot)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.error.contains("'tpu' is neither a file nor a bundled arch config"), unknown.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: plot))

        let broken = path("broken.json")
        try "{\"hidden_size\": 100, \"num_attention_heads\": 3}".write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try mantsim("run", "--model", broken)
        XCTAssertNotEqual(bad.status, 0)
        for needle in ["broken.json: intermediate_size: missing", "num_attention_heads: 3 does not divide hidden_size 100"] {
            XCTAssertTrue(bad.error.contains(needle), bad.error)
        }
        let long = try mantsim("run", "--model", model, "--prompt", "1000", "--tokens", "100")
        XCTAssertNotEqual(long.status, 0)
        XCTAssertTrue(long.error.contains("max_position_embeddings 1024"), long.error)
        let baseline = try mantsim("compare", "--archs", "mant,int8", "--baseline", "fp16")
        XCTAssertNotEqual(baseline.status, 0)
        XCTAssertTrue(baseline.error.contains("--baseline fp16 is not among --archs"), baseline.error)
        let missing = try mantsim("run", "--model", "/no/such/config.json")
        XCTAssertTrue(missing.error.contains("/no/such/config.json: no such file"), missing.error)
    }
}
