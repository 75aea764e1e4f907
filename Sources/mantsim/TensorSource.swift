import ArgumentParser
import Foundation
import MantNumerics
import MantTensorIO

/// The tensor a command reads: its name inside a file, or the shape of the synthetic one used
/// without a file. Shared by `quantize` and `bits-study`.
struct TensorShapeOptions: ParsableArguments {
    @Option(help: "Tensor name inside the tensor file (needed when it holds more than one).")
    var tensor: String?

    @Option(help: "Rows (output channels) of the synthetic tensor.")
    var rows: Int = 256

    @Option(help: "Columns (input channels, the reduction axis) of the synthetic tensor.")
    var columns: Int = 4096

    func validate() throws {
        guard rows > 0, columns > 0 else { throw ValidationError("--rows and --columns must be positive") }
        let (values, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, values <= TensorSourceOptions.maxValues else {
            throw ValidationError("--rows x --columns: a synthetic tensor holds at most \(TensorSourceOptions.maxValues) values (1 GiB of FP32), got \(rows) x \(columns)")
        }
    }
}

/// Where the tensor to quantize comes from: a file the user names, or the built-in synthetic one.
struct TensorSourceOptions: ParsableArguments {
    @Argument(help: "A .safetensors, .gguf or .npy file. Without it, a seeded synthetic LLM-like weight matrix is used.",
              completion: .file(extensions: ["safetensors", "gguf", "npy"]))
    var file: String?

    @OptionGroup var shape: TensorShapeOptions

    @Option(help: "Seed of the synthetic tensor.")
    var seed: UInt64 = 2025

    var tensor: String? { shape.tensor }
    var rows: Int { shape.rows }
    var columns: Int { shape.columns }

    func validate() throws {
        if file == nil, tensor != nil { throw ValidationError("--tensor names a tensor inside FILE; give the file too") }
    }

    /// The most values a synthetic tensor may hold: 2^28 (1 GiB of FP32).
    static let maxValues = 1 << 28

    /// A description for reports, and the tensor itself.
    func load() throws -> (label: String, tensor: Tensor) {
        guard let file else {
            let tensor = try SyntheticTensor.llmLike(rows: rows, columns: columns, seed: seed)
            return ("synthetic \(rows)x\(columns) seed \(seed)", tensor)
        }
        return try TensorSourceOptions.read(file: file, tensor: tensor)
    }

    /// A tensor from a .npy file, or one named (or the only one) of a .safetensors or GGUF file
    /// (dequantized to FP32); finite.
    static func read(file: String, tensor requested: String?) throws -> (label: String, tensor: Tensor) {
        let tensor: Tensor
        let label: String
        if file.hasSuffix(".npy") {
            tensor = try NumpyFile.read(path: file)
            label = file
        } else {
            let gguf = file.hasSuffix(".gguf") ? try GGUFFile(path: file) : nil
            let checkpoint = gguf == nil ? try SafetensorsFile(path: file) : nil
            let names = gguf?.tensorNames ?? checkpoint!.tensorNames
            let name: String
            if let requested {
                name = requested
            } else if names.count == 1, let only = names.first {
                name = only
            } else {
                let listed = names.prefix(10).joined(separator: "\n  ")
                throw CLIError("\(file) holds \(names.count) tensors; choose one with --tensor NAME, e.g.\n  \(listed)")
            }
            tensor = try gguf?.tensor(named: name) ?? checkpoint!.tensor(named: name)
            label = "\(file) [\(name)]"
        }
        do {
            try tensor.requireFinite()
        } catch {
            throw TensorFileError(path: file, field: requested.map { "tensor '\($0)'" } ?? "tensor", message: "\(error)")
        }
        return (label, tensor)
    }
}

extension Granularity: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension VectorQuantizationConfig.Axis: ExpressibleByArgument {}
