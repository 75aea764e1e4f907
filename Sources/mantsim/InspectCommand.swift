import ArgumentParser
import Foundation
import MantTensorIO

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "What a GGUF file holds: its metadata and tensor table; one tensor dequantized to .npy.",
        discussion: """
        Lists every metadata key (long arrays by their length) and every tensor with its ggml type and shape (row-major, outermost axis first). With --tensor and --output, writes that tensor dequantized to FP32 as a .npy file.

        Examples:
          mantsim inspect .build/models/SmolLM2-135M-Instruct.Q4_1.gguf
          mantsim inspect model.gguf --tensor blk.0.attn_q.weight --output q0.npy
        """
    )

    @Argument(help: ArgumentHelp("A GGUF file.", valueName: "file.gguf"))
    var file: String = PerplexityCommand.defaultModelPath

    @Option(help: "A tensor to write out (with --output).")
    var tensor: String?

    @Option(help: ArgumentHelp("Where to write --tensor, as FP32 .npy.", valueName: "file.npy"))
    var output: String?

    func validate() throws {
        if (tensor == nil) != (output == nil) { throw ValidationError("--tensor and --output go together") }
    }

    func run() throws {
        let gguf = try GGUFFile(path: file)
        if let tensor, let output {
            try NumpyFile.write(try gguf.tensor(named: tensor), to: output)
            print("\(tensor) written to \(output)")
            return
        }
        print("\(file): GGUF version \(gguf.version), \(gguf.metadata.count) metadata keys, \(gguf.tensors.count) tensors, alignment \(gguf.alignment)")
        var keys = TextTable(header: ["key", "value"])
        for key in gguf.metadata.keys.sorted() {
            let value = gguf.metadata[key]!
            var shown = "\(value)"
            if case .string(let text) = value { shown = text.count > 60 ? "'\(text.prefix(57).replacingOccurrences(of: "\n", with: "\\n"))...'" : "'\(text.replacingOccurrences(of: "\n", with: "\\n"))'" }
            keys.rows.append([key, shown])
        }
        print(keys.render())
        print("")
        var tensors = TextTable(header: ["tensor", "type", "shape", "bytes"])
        for info in gguf.tensors {
            tensors.rows.append([info.name, info.type?.description ?? "ggml type \(info.typeCode) (not read)",
                                 info.shape.map(String.init).joined(separator: " x "), info.byteCount.map(String.init) ?? "?"])
        }
        print(tensors.render())
    }
}
