import Foundation
import MantHardware

/// Formats kept apart from hardware. An architecture file describes the array and, in its
/// `formats` section, the formats that array runs by default; a formats file names the formats of
/// one run on it without editing the hardware (as Timeloop and ZigZag keep workload and mapping
/// apart from the architecture). It takes the keys of the `formats` section, plus the dataflow
/// (a mapping choice); a key left out keeps the architecture's.
///
///     weights: mant3        # with group, vq_scope as in the formats section
///     group: 64
///     kv: int8              # kv_group too
///     activation_bits: 4
///     dataflow: os
///
/// The formats are checked against the array as a file's are (`ArchitectureConfig.formatProblems`),
/// every problem at once, named with the formats file.
extension ArchitectureConfig {
    public func applyingFormats(file path: String) throws -> ArchitectureConfig {
        try applyingFormats(try ConfigReader.text(of: path), path: path)
    }

    public func applyingFormats(_ text: String, path: String) throws -> ArchitectureConfig {
        var reader = ConfigReader(path: path)
        var top = try reader.topMapping(text)
        var result = self
        if top["dataflow"] != nil {
            result.dataflow = reader.choice(top, "dataflow", at: "", Dataflow.self, default: dataflow) ?? dataflow
            top["dataflow"] = nil
        }
        let (weights, kv, bits) = reader.readFormats(top, pe: array.peType, default: weightFormat, kvPE: attentionUnit?.peType)
        result.weightFormat = weights
        if let kv { result.kvFormat = kv }
        if top["activation_bits"] != nil { result.activationBits = bits }
        try reader.finish()
        let problems = result.formatProblems
        if !problems.isEmpty { throw ConfigError(path: path, problems: problems) }
        result.name = "\(name) with \(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)"
        return result
    }
}
