import Foundation
import XCTest

/// Values that are merely large, and paths that are not files: each is refused at once, naming
/// the file or option and what is expected, with a non-zero exit and no signal.
final class HostileInputTests: CLITestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A 2 x 2 FP32 .npy file of `values`, written byte by byte as NumPy lays it out.
    static func npy(_ values: [Float]) -> Data {
        var npy = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        npy += Data([UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]) + Data(header.utf8)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { npy.append(contentsOf: $0) } }
        return npy
    }

    private func refused(_ arguments: [String], saying expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try mantsim(arguments)
        // 1 for a refused input, 64 for a refused option (ArgumentParser's usage status); never a signal.
        XCTAssertTrue([1, 64].contains(run.status), "\(arguments): status \(run.status): \(run.error)", file: file, line: line)
        XCTAssertTrue(run.error.contains(expected), "\(arguments): \(run.error)", file: file, line: line)
    }

    func testHugeModelSizesAreRefusedNamingTheField() throws {
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: HostileInputTests.repository.appendingPathComponent("Configs/models/llama-2-7b.json"))) as! [String: Any]
        for (key, value, expected) in [("vocab_size", 1 << 40, "vocab_size: expected a positive integer up to 1048576"),
                                       ("intermediate_size", 1 << 35, "intermediate_size: expected a positive integer up to 262144"),
                                       ("hidden_size", 1 << 40, "hidden_size: expected a positive integer up to 65536"),
                                       ("num_hidden_layers", 1 << 62, "num_hidden_layers: expected a positive integer up to 1024")] as [(String, Int, String)] {
            var json = base
            json[key] = value
            let file = path("\(key).json")
            try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: file))
            try refused(["run", "--model", file, "--phase", "decode", "--tokens", "1"], saying: "\(file): \(expected)")
        }
        var gpt = base
        gpt["model_type"] = "gpt2"
        try JSONSerialization.data(withJSONObject: gpt).write(to: URL(fileURLWithPath: path("gpt.json")))
        try refused(["run", "--model", path("gpt.json")], saying: "model_type: expected llama, mistral, qwen2, opt")
    }

    func testHugeOptionsAreRefusedBeforeAnyWork() throws {
        try refused(["run", "--batch", "4611686018427387904"], saying: "batch: expected 1 to 4096")
        try refused(["run", "--batch", "-1"], saying: "--batch takes positive whole numbers")
        try refused(["run", "--arch", "int8", "--batch", "1000000", "--phase", "decode", "--tokens", "1"], saying: "batch: expected 1 to 4096")
        try refused(["quantize", "--group", "9223372036854775807"], saying: "group size must be 1 to 16777216")
        try refused(["quantize", "--rows", "1000000", "--columns", "1000000"], saying: "at most 268435456 values")
        try refused(["gemm", "--arch", "int8", "-M", "1000000", "-K", "1000000", "-N", "1000000"], saying: "at most 1048576 each")
        try refused(["run", "--fidelity", "cycle"], saying: "--yes")
        let config = try String(contentsOf: HostileInputTests.repository.appendingPathComponent("Configs/arch/int8.yaml"), encoding: .utf8)
        try config.replacingOccurrences(of: "weight_bytes: 131072", with: "weight_bytes: 1099511627776").write(toFile: path("big.yaml"), atomically: true, encoding: .utf8)
        try refused(["run", "--arch", path("big.yaml")], saying: "buffers.weight_bytes: expected a whole number in 1...1073741824")
    }

    func testOutputPathsAreCheckedBeforeTheSimulation() throws {
        try refused(["compare", "--archs", "int8,mant", "--plot", "/proc/mantsim/x.svg"], saying: "--plot")
        try refused(["quantize", "--output", scratch.path], saying: "is not a regular file (a folder)")
        // Bundled names work in gemm as in run.
        let gemm = try mantsim("gemm", "--arch", "int8", "--energy", "28nm", "-M", "2", "-K", "64", "-N", "32")
        XCTAssertEqual(gemm.status, 0, gemm.error)
    }

    func testMessagesNameTheFileAndWhatIsWrong() throws {
        try refused(["run", "--arch", scratch.path], saying: "\(scratch.path): file: is a folder, not a config file")
        try refused(["run", "--model", scratch.path], saying: "is a folder, not a config.json")
        try Data([0, 1, 2, 255, 254]).write(to: URL(fileURLWithPath: path("binary.yaml")))
        try refused(["run", "--arch", path("binary.yaml")], saying: "is not UTF-8 text")
        let config = try String(contentsOf: HostileInputTests.repository.appendingPathComponent("Configs/arch/int8.yaml"), encoding: .utf8)
        try config.replacingOccurrences(of: "rows: 32", with: "rows: \"32\"").write(toFile: path("quoted.yaml"), atomically: true, encoding: .utf8)
        try refused(["run", "--arch", path("quoted.yaml")], saying: "array.rows: expected a whole number in 2...4096, got \"32\" (text: write the number without quotes)")
        try refused(["quantize", "-f", ""], saying: "--format: expected format names")
        // A tensor beyond FP16's range: refused for FP16, and no .mqt is left behind.
        try HostileInputTests.npy([1e6, -2e6, 3, 4]).write(to: URL(fileURLWithPath: path("big.npy")))
        try refused(["quantize", path("big.npy"), "-f", "int8,fp16", "--output", path("big.mqt")], saying: "fp16: values beyond FP16's range")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("big.mqt")))
    }

    /// An output that is one of the inputs (by any name: the same device and inode) is refused
    /// before anything is written, and the input is left as it was.
    func testAnOutputThatIsAnInputIsRefused() throws {
        let npy = HostileInputTests.npy([1, -2, 3, 4])
        let input = path("w.npy")
        try npy.write(to: URL(fileURLWithPath: input))
        try FileManager.default.linkItem(atPath: input, toPath: path("hard.npy"))
        for output in [input, path("hard.npy"), scratch.path + "/./w.npy"] {
            try refused(["quantize", input, "-f", "int4", "--output", output], saying: "is the input \(input) itself")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), npy)
        try "ab".write(toFile: path("text.txt"), atomically: true, encoding: .utf8)
        try refused(["tokenize", "--text", path("text.txt"), "--output", path("text.txt")], saying: "is the input")
    }

    /// A 4 GiB sparse file is refused from its size before it is read, wherever a config-sized
    /// file is expected.
    func testHugeFilesAreRefusedBeforeTheyAreRead() throws {
        let huge = path("huge.yaml")
        XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: nil))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: huge))
        try handle.truncate(atOffset: 4 << 30)
        try handle.close()
        let energy = try String(contentsOf: HostileInputTests.repository.appendingPathComponent("Configs/energy/28nm.yaml"), encoding: .utf8)
        XCTAssertTrue(energy.contains("table: ../sram/cacti.csv"))
        let sram = path("sram.yaml")
        try energy.replacingOccurrences(of: "table: ../sram/cacti.csv", with: "table: \(huge)").write(toFile: sram, atomically: true, encoding: .utf8)
        let message = "4294967296 bytes; a file of this kind holds at most 1048576 bytes (1 MiB)"
        try refused(["run", "--arch", huge], saying: message)
        try refused(["run", "--model", huge], saying: message)
        try refused(["quantize", "-f", "lut", "--table", huge], saying: message)
        try refused(["gemm", "--arch", "int8", "--topology", huge], saying: message)
        try refused(["sweep", huge, "--dry-run"], saying: message)
        try refused(["run", "--energy", sram], saying: message)
    }

    /// Every numeric option of the studies is bounded before work starts (these aborted, trapped
    /// or ran for minutes), and the README's table of ranges is the one the code checks.
    func testStudyOptionsAreBoundedAndTheREADMEListsTheRanges() throws {
        try refused(["kv-study", "--contexts", "1099511627776"], saying: "--contexts takes 1 to 131072, got 1099511627776")
        try refused(["kv-study", "--head-dim", "4611686018427387904"], saying: "--head-dim takes 64 to 1024")
        try refused(["kv-study", "--queries", "4611686018427387904"], saying: "--queries takes 1 to 4096")
        try refused(["bits-study", "--rows", "4611686018427387904"], saying: "--rows x --columns: a synthetic tensor holds at most 268435456 values")
        try refused(["bits-study", "--rows", "70000", "--columns", "16"], saying: "--rows takes 1 to 65536")
        try refused(["vq-study", "--rows", "1000000"], saying: "--rows takes 1 to 4096")
        try refused(["attention", "--context", "0"], saying: "--context takes 1 to 1048576, got 0")
        let readme = try String(contentsOf: HostileInputTests.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("  | ") && $0.contains("` | ") && $0.hasSuffix(" |") }.map { line in
            line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }.filter { !$0.isEmpty }
        }
        let help = try mantsim("limits", "--tsv")
        XCTAssertEqual(help.status, 0, help.error)
        let code = help.output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(rows.map { $0.joined(separator: " ") }, code.map { "\($0[0]) \($0[1]) \($0[2]) to \($0[3])" })
    }
}
