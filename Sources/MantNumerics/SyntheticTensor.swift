/// A seeded stand-in for an LLM weight matrix, so every command runs on a fresh machine.
///
/// Shape [rows, columns] (output channels x input channels). Values: a Gaussian body with standard
/// deviation 0.02 (the initialiser scale of LLaMA and OPT), heavy tails from a Student-t with 4
/// degrees of freedom mixed into 5% of entries, a per-row scale spread of +/-25%, and a few
/// outlier input channels (columns, 1 in 256, at least one) scaled by 8x, the pattern that
/// LLM.int8 and SmoothQuant report for LLM activations and weights.
public enum SyntheticTensor {
    public static func llmLike(rows: Int, columns: Int, seed: UInt64) throws -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let outlierCount = max(1, columns / 256)
        var isOutlier = [Bool](repeating: false, count: columns)
        var chosen = 0
        while chosen < outlierCount {
            let column = Int(generator.next() % UInt64(columns))
            if !isOutlier[column] { isOutlier[column] = true; chosen += 1 }
        }
        var values = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            let rowScale = 0.02 * (0.75 + 0.5 * generator.nextUnitDouble())
            for column in 0..<columns {
                var x = generator.nextGaussian()
                if generator.nextUnitDouble() < 0.05 {
                    // Student-t with 4 degrees of freedom: normal over sqrt(chi-square / 4).
                    var chiSquare = 0.0
                    for _ in 0..<4 { let g = generator.nextGaussian(); chiSquare += g * g }
                    x = generator.nextGaussian() / (chiSquare / 4).squareRoot()
                }
                if isOutlier[column] { x *= 8 }
                values[row * columns + column] = Float(x * rowScale)
            }
        }
        return try Tensor(shape: [rows, columns], values: values)
    }
}
