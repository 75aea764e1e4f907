/// A weight or activation format. Every format goes through this one interface so that the
/// quantizer, the packer, the CLI and the hardware model treat them alike.
public protocol QuantizationFormat: Sendable {
    var descriptor: FormatDescriptor { get }
    /// Quantizes a finite tensor; throws naming the offending value or parameter.
    func quantize(_ tensor: Tensor) throws -> QuantizedTensor
    /// Decodes codes and metadata back to FP32 values, exactly as the format defines them.
    func dequantize(_ quantized: QuantizedTensor) throws -> Tensor
    /// Metadata bits stored per group (or channel): its scale and any selector, type or zero point.
    /// Per-tensor data (a table, codebooks) is not counted.
    var groupMetadataBits: Int { get }
}

extension QuantizationFormat {
    public var name: String { descriptor.name }

    func requireOwn(_ quantized: QuantizedTensor) throws {
        guard quantized.format == descriptor else {
            throw QuantizationError.malformedQuantizedTensor(
                "tensor was made by \(quantized.format.name), not \(descriptor.name)")
        }
    }
}

/// A format an integer array runs: its PEs multiply each weight as an integer on the format's grid
/// and a SAC row scales each group's integer sum by an FP32 scale (MantHardware's GemmReference
/// states the arithmetic the SystemC array matches). The format's own file says how its codes and
/// metadata become those numbers, as its PE kind file (RTLModels/src/kinds) does for the model.
public protocol IntegerArrayFormat: QuantizationFormat {
    /// The integers the PEs multiply for the weights `range` of `tensor` (one group; `group` indexes
    /// its metadata), written into `values[range]`; returns the group's FP32 scale.
    func arrayGroup(_ tensor: QuantizedTensor, group: Int, range: Range<Int>, into values: inout [Int32]) throws -> Float
    /// The table the array's PE kind decodes this format's codes with, sent to the model in each
    /// job's payload (the model keeps no copy): the integers its PEs multiply for each code, by
    /// type where the format has types, then anything per type the kind needs. Empty for formats
    /// decoded by rule alone (INT, M-ANT).
    var decodeTable: [Int16] { get }
}

extension IntegerArrayFormat {
    public var decodeTable: [Int16] { [] }
}

/// Error of a reconstruction against its original, accumulated in binary64.
public struct QuantizationStats: Equatable, Sendable, Codable {
    public var bitsPerWeight: Double
    public var meanSquaredError: Double
    /// Signal-to-quantization-noise ratio in dB; nil when the error is exactly zero.
    public var sqnrDecibels: Double?
    public var maxAbsoluteError: Double

    public init(original: Tensor, reconstructed: Tensor, bitsPerWeight: Double) {
        precondition(original.count == reconstructed.count)
        var signal = 0.0
        var noise = 0.0
        var worst = 0.0
        for index in 0..<original.count {
            let x = Double(original.values[index])
            let error = x - Double(reconstructed.values[index])
            signal += x * x
            noise += error * error
            worst = max(worst, error.magnitude)
        }
        self.bitsPerWeight = bitsPerWeight
        meanSquaredError = noise / Double(original.count)
        sqnrDecibels = SignalToNoise.decibels(signal: signal, noise: noise)
        maxAbsoluteError = worst
    }
}

@inline(__always) func _log10(_ x: Double) -> Double { _log(x) / _log(10) }
