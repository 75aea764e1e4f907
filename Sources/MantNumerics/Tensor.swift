/// A dense FP32 tensor in row-major order.
///
/// Every quantizer treats a tensor as a matrix: the last axis is the reduction axis (the `in`
/// features of a PyTorch `Linear` weight `[out, in]`, the head dimension of a K vector), and all
/// leading axes are flattened into rows (output channels, tokens). Groups run along that last axis.
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) throws {
        guard !shape.isEmpty else { throw QuantizationError.invalidShape("shape must have at least one axis") }
        guard shape.allSatisfy({ $0 > 0 }) else {
            throw QuantizationError.invalidShape("every axis must be positive, got \(shape)")
        }
        guard let count = Tensor.elementCount(of: shape) else {
            throw QuantizationError.invalidShape("shape \(shape) holds more values than an Int can count")
        }
        guard count == values.count else {
            throw QuantizationError.invalidShape("shape \(shape) holds \(count) values, got \(values.count)")
        }
        self.shape = shape
        self.values = values
    }

    /// Product of the axes, or nil when it overflows.
    public static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for axis in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: axis)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// The transpose of a matrix.
    public func transposed() throws -> Tensor {
        let (rows, columns) = (shape[0], shape[1])
        var result = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows { for c in 0..<columns { result[c * rows + r] = values[r * columns + c] } }
        return try Tensor(shape: [columns, rows], values: result)
    }

    /// Product of all axes but the last.
    public var rows: Int { shape.dropLast().reduce(1, *) }
    /// Length of the last (reduction) axis.
    public var columns: Int { shape[shape.count - 1] }
    public var count: Int { values.count }

    /// Throws naming the first NaN or infinity, with its index in the shape.
    public func requireFinite() throws {
        guard let position = values.firstIndex(where: { !$0.isFinite }) else { return }
        throw QuantizationError.nonFiniteValue(index: Tensor.multiIndex(position, shape: shape), value: values[position])
    }

    static func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }
}

/// Why a tensor could not be quantized, named so the caller can point at the field at fault.
public enum QuantizationError: Error, Equatable, CustomStringConvertible {
    case invalidShape(String)
    case nonFiniteValue(index: [Int], value: Float)
    case invalidParameter(field: String, message: String)
    case malformedQuantizedTensor(String)

    public var description: String {
        switch self {
        case .invalidShape(let message): return "invalid shape: \(message)"
        case .nonFiniteValue(let index, let value):
            return "value at index \(index) is \(value); quantization needs finite values (fix or drop the tensor)"
        case .invalidParameter(let field, let message): return "\(field): \(message)"
        case .malformedQuantizedTensor(let message): return "malformed quantized tensor: \(message)"
        }
    }
}
