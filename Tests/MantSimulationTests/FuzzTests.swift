import Foundation
import GRDB
import XCTest
import MantConfig
import MantSimulation
import MantSweep
import MantHardware
import MantModels
import MantNumerics
import MantTensorIO
import MantWorkload
import _TestSupport

/// A seeded mutation fuzzer over every input MantSim reads: architecture, formats and energy YAML,
/// model config.json, safetensors and .npy files, GGUF models (header, metadata, tensor table,
/// tokenizer keys, run through a forward pass) and tokenizer.json, sweep specs (planned), GEMM
/// topology files, results databases (their bytes, and the values in their rows, read back by
/// every reader and merged), and the array configs an accepted architecture
/// hands the C API (each planned for a small GEMM). Inputs that parse are pushed one step further
/// (an accepted architecture is checked and planned); every input must end in a value or a thrown
/// error, never a signal. `make test` runs MANTSIM_FUZZ_INPUTS (default 3000) inputs; `make fuzz`
/// runs 100,000. An input that ever crashed it belongs in `regressions` below.
final class FuzzTests: XCTestCase {
    /// Tokens worth splicing into config text: YAML structure, aliases, extreme and odd numbers.
    static let tokens = [": ", "\n", "  ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "\"", "'", "#", "~", "!!binary ", "? ",
                         "-1", "0", "1e308", "-1e308", "nan", ".inf", "9223372036854775807", "18446744073709551616", "4294967296",
                         "1099511627776", "0x10", "1.5", "true", "null", "int16", "bitfusion", "hbm2", "channels: 0", "rows: 4096"]
    /// Inputs that once crashed or hung the tool.
    static let regressions = [
        "a: " + String(repeating: "[", count: 5000),
        "x: &a [1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
        "name: x\npe: int\nbuffers: {weight_bytes: 1099511627776, activation_bytes: 1, output_bytes: 1}",
        // Found by this fuzzer: a non-text key trapped in the YAML loader.
        "name: x\n[a]: 1\n? {b: 2}\n: 3\n<<: {c: 4}\n",
    ]

    struct Mutator {
        var random: SeededGenerator

        mutating func index(_ count: Int) -> Int { Int(random.next() % UInt64(max(count, 1))) }

        mutating func mutate(_ input: [UInt8]) -> [UInt8] {
            var bytes = input
            for _ in 0...index(4) {
                let at = index(bytes.count + 1)
                switch index(6) {
                case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] ^= UInt8(truncatingIfNeeded: 1 << index(8))
                case 1: bytes.insert(contentsOf: Array(FuzzTests.tokens[index(FuzzTests.tokens.count)].utf8), at: at)
                case 2 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + 1 + index(16)))
                case 3 where at < bytes.count: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 1 + index(64))], at: index(bytes.count + 1))
                case 4:
                    // A number replaced by an extreme one.
                    if let digit = bytes[min(at, bytes.count)...].firstIndex(where: { (48...57).contains($0) }) {
                        var end = digit
                        while end < bytes.count, (48...57).contains(bytes[end]) { end += 1 }
                        bytes.replaceSubrange(digit..<end, with: Array(["0", "4096", "65535", "4294967295", "9223372036854775807", "1e30"][index(6)].utf8))
                    }
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                }
            }
            return bytes
        }
    }

    private func corpus() throws -> [(kind: String, bytes: [UInt8])] {
        var result = [(String, [UInt8])]()
        for (folder, kind) in [("Configs/arch", "arch"), ("Configs/formats", "formats"), ("Configs/models", "model"), ("Configs/energy", "energy")] {
            let url = repository.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where file.hasSuffix(".yaml") || file.hasSuffix(".json") {
                result.append((kind, Array(try Data(contentsOf: url.appendingPathComponent(file)))))
            }
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-fuzz-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let tensor = try Tensor(shape: [2, 3], values: [1, -2, 3, 0.5, 0, 7])
        try SafetensorsFile.write([("w", tensor)], to: scratch.appendingPathComponent("t.safetensors").path)
        try NumpyFile.write(tensor, to: scratch.appendingPathComponent("t.npy").path)
        result.append(("safetensors", Array(try Data(contentsOf: scratch.appendingPathComponent("t.safetensors")))))
        result.append(("npy", Array(try Data(contentsOf: scratch.appendingPathComponent("t.npy")))))
        try TinyGGUF.write(to: scratch.appendingPathComponent("m.gguf").path, byteVocabulary: false)
        result.append(("gguf", Array(try Data(contentsOf: scratch.appendingPathComponent("m.gguf")))))
        result.append(("tokenizer", Array(FuzzTests.tokenizerJSON.utf8)))
        for file in try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("Configs/sweeps").path).sorted() where file.hasSuffix(".yaml") {
            result.append(("sweep", Array(try Data(contentsOf: repository.appendingPathComponent("Configs/sweeps/\(file)")))))
        }
        result.append(("sweep", Array(FuzzTests.sweepSpec.utf8)))
        result.append(("topology", Array("Layer, M, N, K,\nqkv, 64, 96, 32,\nffn, 8, 128, 64,\n".utf8)))
        let database = try FuzzTests.resultsDatabase(in: scratch)
        result.append(("database", database))
        result.append(("dbvalues", database))
        for text in FuzzTests.regressions { result.append(("arch", Array(text.utf8))) }
        return result
    }

    /// A small spec on the bundled configs: two architectures, a workload and two axes.
    static let sweepSpec = """
    architectures: [int8, mant]
    model: llama-2-7b
    phase: decode
    prompt: 16
    tokens: 1
    axes:
      array.rows: [16, 32]
      dram.bits_per_cycle: [256, 1024]
    exclude:
      - {architecture: int8, array.rows: 16}
    """

    /// A results database with an ok point and a failed one (one run each), as sweeps write them.
    static func resultsDatabase(in folder: URL) throws -> [UInt8] {
        let specPath = folder.appendingPathComponent("seed.yaml").path
        try "architectures: [int8]\nmodel: llama-2-7b\nphase: decode\nprompt: 8\ntokens: 1\naxes: {array.rows: [8, 16]}\n"
            .write(toFile: specPath, atomically: true, encoding: .utf8)
        let plan = try SweepPlan(spec: try SweepSpec.load(path: specPath), resolve: FuzzTests.bundled)
        let path = folder.appendingPathComponent("seed.sqlite").path
        let database = try SweepDatabase(path: path)
        var run = try database.beginRun(spec: plan.spec, backend: "local", chunk: nil)
        var point = plan.points[0]
        point.request.model.layers = 1
        try database.record(runPoint(point, label: "ok", rtl: try RTLModel.shared()), runID: run)
        run = try database.beginRun(spec: plan.spec, backend: "local", chunk: "1/2")
        try database.record(PointOutcome(point: plan.points[1], label: "failed", result: nil, error: "boom", seconds: 0.5), runID: run)
        try database.recordPerplexity(20, fp32: 19, source: "seed", keys: [plan.points[0].key])
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func bundled(_ name: String, _ kind: String) throws -> String {
        FuzzTests.repositoryRoot.appendingPathComponent("Configs/\(kind)/\(name).\(kind == "models" ? "json" : "yaml")").path
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Values a hostile hand or a damaged file can leave in a results database's rows.
    static let databaseValues: [DatabaseValue] = [.null, "text".databaseValue, "".databaseValue, 0.databaseValue, (-1).databaseValue,
                                                  Int64.max.databaseValue, Double.nan.databaseValue, (-Double.infinity).databaseValue,
                                                  1e308.databaseValue, Data([0xFF, 0x00]).databaseValue, "ok".databaseValue, "failed".databaseValue]

    /// Every reader of a results database, and a merge of it into a fresh one.
    static func readBack(_ path: String, into target: String) throws {
        let database = try SweepDatabase(path: path, readOnly: true)
        let rows = try database.rows()
        _ = try database.runs()
        _ = try database.medianSeconds()
        _ = try database.completedKeys()
        _ = try database.keysWithoutPerplexity()
        for row in rows.prefix(4) { if let phase = row.phase { _ = try database.energy(point: row.key, run: row.runID, phase: phase) } }
        try? FileManager.default.removeItem(atPath: target)
        _ = try SweepDatabase.collect([path], into: target)
    }

    static let tokenizerJSON = #"""
    {"model": {"type": "BPE", "vocab": {"h": 0, "e": 1, "l": 2, "o": 3, "\u0120": 4, "he": 5, "ll": 6, "1": 7}, "merges": ["h e", ["l", "l"]],
               "byte_fallback": false, "ignore_merges": false},
     "added_tokens": [{"id": 8, "content": "<s>", "special": true}],
     "normalizer": null,
     "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true},
                       {"type": "Split", "pattern": {"Regex": "\\s+|\\w+"}, "behavior": "Isolated", "invert": false},
                       {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}]}}
    """#

    /// Feeds one input to its reader and one step beyond; returns whether it was accepted.
    private func feed(_ kind: String, _ bytes: [UInt8], file: String, rtl: RTLModel, base: ArchitectureConfig, job: GemmOperands,
                      random: inout Mutator) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            switch kind {
            case "arch":
                let architecture = try ArchitectureConfig.parse(text, path: file)
                _ = architecture.formatProblems
                var array = architecture.array
                (array.rows, array.columns) = (min(array.rows, 64), min(array.columns, 64))
                _ = try? rtl.plan(job, on: array.peType.takes(job.weights.format) ? array : { var a = array; a.peType = .int; return a }(), dataflow: architecture.dataflow)
            case "formats":
                _ = try base.applyingFormats(text, path: file)
            case "model":
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                _ = try ModelConfig.load(path: file)
            case "energy":
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                _ = try EnergyTable.load(path: file).priced(for: base)
            case "safetensors":
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                let loaded = try SafetensorsFile(path: file)
                for name in loaded.tensorNames { _ = try? loaded.tensor(named: name) }
            case "gguf":
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                let gguf = try GGUFFile(path: file)
                for name in gguf.tensorNames { _ = try? gguf.tensor(named: name) }
                let checkpoint = try Checkpoint(path: file)
                if let tokenizer = try? checkpoint.tokenizer() { _ = tokenizer.decode(tokenizer.encode("hello 123<s> x")) }
                let model = try LanguageModel(checkpoint: checkpoint)
                _ = try Perplexity.evaluate(model, tokens: [0, 1, 2, 3].map { $0 % model.config.shape.vocabularySize }, context: 4)
            case "sweep":
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                let plan = try SweepPlan(spec: try SweepSpec.load(path: file), maxPoints: 64, resolve: FuzzTests.bundled)
                _ = plan.points.map { $0.label(varying: plan.varying) }
            case "topology":
                _ = try GemmTopology.parse(text, path: file)
            case "database":
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                try FuzzTests.readBack(file, into: file + ".merged")
            case "dbvalues":
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                let queue = try DatabaseQueue(path: file)
                try queue.write { db in
                    for _ in 0...random.index(3) {
                        let tables = ["points", "phase_results", "energy", "runs", "timings", "area", "operators"]
                        let table = tables[random.index(tables.count)]
                        let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                        let value = FuzzTests.databaseValues[random.index(FuzzTests.databaseValues.count)]
                        try? db.execute(sql: "UPDATE \(table) SET \(columns[random.index(columns.count)]) = ?", arguments: [value])
                    }
                }
                try queue.close()
                try FuzzTests.readBack(file, into: file + ".merged")
            case "tokenizer":
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                let tokenizer = try BPETokenizer.load(tokenizerJSON: file)
                _ = tokenizer.decode(tokenizer.encode("hello 123<s> x"))
            default:
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                _ = try NumpyFile.read(path: file)
            }
            return true
        } catch {
            return false
        }
    }

    func testMutatedInputsNeverCrash() throws {
        let count = Int(ProcessInfo.processInfo.environment["MANTSIM_FUZZ_INPUTS"] ?? "") ?? 3000
        let seed = UInt64(ProcessInfo.processInfo.environment["MANTSIM_FUZZ_SEED"] ?? "") ?? 2025
        let seeds = try corpus()
        let rtl = try RTLModel.fresh()
        let base = try bundledArchitecture("int8", rows: 32, columns: 32)
        let weights = try IntegerFormat(bits: 8, granularity: .group(16)).quantize(try SyntheticTensor.llmLike(rows: 8, columns: 32, seed: 1))
        let job = try GemmOperands(weights: weights, activations: try SyntheticTensor.llmLike(rows: 2, columns: 32, seed: 2))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mantsim-fuzz-\(UUID().uuidString)")
        // Energy tables name their SRAM table as ../sram/cacti.csv and their PE counts as ../area/synthesized.csv.
        for folder in ["energy", "sram", "area"] { try FileManager.default.createDirectory(at: scratch.appendingPathComponent(folder), withIntermediateDirectories: true) }
        for table in ["sram/cacti.csv", "area/synthesized.csv"] {
            try FileManager.default.copyItem(at: repository.appendingPathComponent("Configs/\(table)"), to: scratch.appendingPathComponent(table))
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        var mutator = Mutator(random: SeededGenerator(seed: seed))
        var accepted = [String: Int](), fed = [String: Int]()
        for _ in 0..<count {
            let (kind, original) = seeds[mutator.index(seeds.count)]
            // Value-level database mutations change rows, not bytes (feed does them).
            let input = kind == "dbvalues" ? original : mutator.mutate(original)
            fed[kind, default: 0] += 1
            let file = scratch.appendingPathComponent(kind == "energy" ? "energy/input.yaml" : "input.\(kind)").path
            if feed(kind, input, file: file, rtl: rtl, base: base, job: job, random: &mutator) { accepted[kind, default: 0] += 1 }
        }
        // Every kind was exercised, and mutations are neither all accepted nor all refused.
        XCTAssertEqual(fed.values.reduce(0, +), count)
        let total = accepted.values.reduce(0, +)
        XCTAssertGreaterThan(total, 0)
        XCTAssertLessThan(total, count)
        print("fuzz: \(count) inputs (seed \(seed)), \(total) accepted; by kind: " + fed.keys.sorted().map { "\($0) \(accepted[$0, default: 0])/\(fed[$0]!)" }.joined(separator: ", "))
    }
}
