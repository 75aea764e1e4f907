import Foundation
@testable import MantNumerics

/// Seeded tensors for property tests: Gaussian values with a sprinkling of large ones.
func randomTensor(rows: Int, columns: Int, seed: UInt64, scale: Double = 0.05) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let values = (0..<(rows * columns)).map { _ -> Float in
        let x = generator.nextGaussian() * scale
        return Float(generator.nextUnitDouble() < 0.01 ? x * 10 : x)
    }
    return try! Tensor(shape: [rows, columns], values: values)
}

/// Mean squared error in binary64.
func meanSquaredError(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
}
