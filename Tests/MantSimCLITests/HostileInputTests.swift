import Foundation
import XCTest

/// Values that are merely large, and paths that are not files: each is refused at once, naming
/// the file or option and what is expected, with a non-zero exit and no signal.
final class HostileInputTests: CLITestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

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
}
