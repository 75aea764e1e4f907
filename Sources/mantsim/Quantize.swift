import ArgumentParser
import Foundation
import MantWorkload
import MantNumerics
import MantTensorIO

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a tensor in one or more formats and report bits per weight and error.",
        discussion: """
        Reports, per format: bits per weight (codes and all metadata), mean squared error, SQNR in dB
        and the largest absolute error; for M-ANT also how many groups chose each coefficient a.

        Examples:
          mantsim quantize --all
          mantsim quantize model.safetensors --tensor model.layers.0.self_attn.q_proj.weight --format mant4,nf4,int4
          mantsim quantize w.npy --format mant4 --group 128 --output w.mqt --json

        Run `mantsim formats` for every format name.
        """
    )

    @OptionGroup var source: TensorSourceOptions

    @Option(name: .shortAndLong, parsing: .upToNextOption,
            help: "Formats to run, comma- or space-separated (default: mant4). See `mantsim formats`.")
    var format: [String] = []

    @Flag(help: "Run every format family (all of `mantsim formats` except the slow quip4 and aqlm3).")
    var all = false

    @Option(help: "Group size along the reduction axis; overrides each format's default granularity.")
    var group: Int?

    @Option(help: "Scale granularity: tensor, channel or groupN; overrides each format's default.")
    var granularity: Granularity?

    @Option(help: "Text file with the 2^b entries of a custom lookup table, for --format lut.",
            completion: .file())
    var table: String?

    @Option(help: "VQ codebook scope: tensor, tileN (N x N tiles) or rowsN (groups of N output channels).")
    var vqScope: String?

    @Option(help: "VQ vector axis: reduction (along a row) or output (down a column).")
    var vqAxis: VectorQuantizationConfig.Axis?

    @Option(help: "Seed of the VQ k-means codebook training.")
    var vqSeed: UInt64?

    @Option(help: "Write the quantized tensors (codes and metadata) to this .mqt file.")
    var output: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        if all && !format.isEmpty { throw ValidationError("use either --all or --format, not both") }
        if !format.isEmpty, requestedNames.isEmpty || requestedNames.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--format: expected format names such as mant4 or int4,nf4, got '\(format.joined(separator: ","))'")
        }
        if let group, group <= 0 { throw ValidationError("--group must be positive, got \(group)") }
        if group != nil && granularity != nil { throw ValidationError("use either --group or --granularity, not both") }
        // Every name is checked before any work, so a typo fails at once with the list of names.
        _ = try descriptors()
        if let output {
            let inputs = [source.file, table].compactMap { $0 }
            do { try OutputFile.check(output, notOverwriting: inputs) } catch { throw ValidationError("--output \(error)") }
        }
    }

    private var requestedNames: [String] {
        all ? FormatCatalog.allDefault : (format.isEmpty ? ["mant4"] : format.flatMap { $0.split(separator: ",").map(String.init) })
    }

    private func descriptors() throws -> [FormatDescriptor] {
        let override = group.map { Granularity.group($0) } ?? granularity
        let customTable = try table.map(Quantize.readTable)
        return try requestedNames.map { name in
            do {
                var descriptor = try FormatCatalog.parse(name, granularity: override, table: customTable)
                if descriptor.kind == .vq { descriptor.vq = try vectorConfig(descriptor.vq!) }
                return try descriptor.makeFormat().descriptor
            }
            catch {
                let file = name.lowercased() == "lut" ? table.map { "\($0): " } ?? "" : ""
                throw ValidationError("\(file)\(error)")
            }
        }
    }

    func run() throws {
        let names = requestedNames
        let descriptors = try descriptors()
        let formats = try descriptors.map { try $0.makeFormat() }
        // Aliases (gptvq2, cq4, ...) keep the name the user typed next to what it means.
        let labels = zip(names, descriptors).map { typed, descriptor in
            descriptor.name.hasPrefix(typed.lowercased()) ? descriptor.name : "\(typed) (\(descriptor.name))"
        }
        let (label, tensor) = try source.load()
        let largest = tensor.values.reduce(Float(0)) { max($0, abs($1)) }
        if largest > 65504 {
            FileHandle.standardError.write(Data("warning: \(label): values up to \(largest) exceed FP16's range (65504); formats whose values or scales are FP16 saturate and clip them\n".utf8))
        }
        var progress = Progress(total: formats.count)

        var reports = [FormatReport]()
        var quantized = [(name: String, tensor: QuantizedTensor)]()
        for (format, name) in zip(formats, labels) {
            progress.step(name)
            let result: QuantizedTensor
            do {
                result = try format.quantize(tensor)
            } catch {
                throw CLIError("\(label): \(name): \(error)")
            }
            let decoded = try format.dequantize(result)
            guard decoded.values.allSatisfy(\.isFinite) else {
                throw CLIError("\(label): \(name): values beyond FP16's range (up to 65504) decode to infinity in this format; scale the tensor or choose a format with a scale")
            }
            let stats = QuantizationStats(original: tensor, reconstructed: decoded, bitsPerWeight: result.bitsPerWeight)
            let histogram = format.descriptor.kind == .mant ? try MANTFormat.selectorHistogram(result) : nil
            reports.append(FormatReport(format: name, stats: stats, digest: result.digest, selectorHistogram: histogram))
            quantized.append((name, result))
        }
        progress.finish()
        if let output { try QuantizedTensorFile.write(quantized, to: output) }
        if json {
            print(try QuantizeReport(source: label, shape: tensor.shape, results: reports, output: output).jsonText())
        } else {
            print(QuantizeReport(source: label, shape: tensor.shape, results: reports, output: output).text())
        }
    }

    private func vectorConfig(_ base: VectorQuantizationConfig) throws -> VectorQuantizationConfig {
        var config = base
        if let vqScope {
            guard let scope = VectorQuantizationConfig.Scope(vqScope) else {
                throw ValidationError("--vq-scope '\(vqScope)': expected tensor, tileN or rowsN (e.g. tile256, rows128)")
            }
            config.scope = scope
        }
        if let vqAxis { config.axis = vqAxis }
        if let vqSeed { config.seed = vqSeed }
        return config
    }

    /// One number per line or separated by commas or spaces; '#' starts a comment.
    static func readTable(_ path: String) throws -> [Float] {
        let data: Data
        do { data = try BoundedFile.read(path) } catch { throw TensorFileError(path: path, field: "file", message: "\(error)") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TensorFileError(path: path, field: "file", message: "cannot be read as text")
        }
        var entries = [Float]()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for token in content.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\r" }) {
                guard let value = Float(token), value.isFinite else {
                    throw TensorFileError(path: path, field: "line \(number + 1)", message: "'\(token)' is not a finite number")
                }
                entries.append(value)
            }
        }
        return entries
    }
}

/// "[2/17] mant4/group64" on standard error while a terminal watches; silent when piped.
/// A failure while running, as opposed to bad arguments: printed as `Error: ...`, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct Progress {
    let total: Int
    private let enabled = isatty(STDERR_FILENO) == 1
    private var done = 0

    init(total: Int) { self.total = total }

    mutating func step(_ label: String) {
        done += 1
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K[\(done)/\(total)] \(label)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
