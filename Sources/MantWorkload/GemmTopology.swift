import Foundation

/// A list of GEMM layers in SCALE-Sim's GEMM topology format: a header `Layer, M, N, K,` and one
/// layer a row, `name, M, N, K,`, for C = A(M x K) * B(K x N). Trailing commas and blank lines are
/// allowed; every size must be a positive whole number.
public struct GemmTopology: Equatable, Sendable {
    public struct Layer: Equatable, Sendable {
        public var name: String
        public var m: Int, n: Int, k: Int

        public init(name: String, m: Int, n: Int, k: Int) {
            self.name = name
            (self.m, self.n, self.k) = (m, n, k)
        }
    }

    public var layers: [Layer]

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The largest GEMM one run holds in memory: at most 2^20 along any axis and 2^28 values in X,
    /// W and Y together (1 GiB of FP32). `gemm`'s -M/-K/-N and every topology row are held to it.
    public static let maxSide = 1 << 20, maxValues = 1 << 28

    /// What is wrong with a GEMM shape (nil: nothing), in words that follow "M x K x N: ".
    public static func shapeProblem(m: Int, k: Int, n: Int) -> String? {
        guard m > 0, k > 0, n > 0 else { return "M, K and N must be positive" }
        guard m <= maxSide, k <= maxSide, n <= maxSide else { return "at most \(maxSide) each, got \(m) x \(k) x \(n)" }
        let values = m * k + k * n + m * n
        guard values <= maxValues else { return "at most \(maxSide) each and 2^28 values in X, W and Y together, got \(m) x \(k) x \(n) (\(values) values)" }
        return nil
    }

    public static func load(path: String) throws -> GemmTopology {
        let data: Data
        do { data = try BoundedFile.read(path) } catch {
            throw ParseError(description: "\(path): cannot be read: \(error) (expected a SCALE-Sim GEMM topology CSV)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ParseError(description: "\(path): not UTF-8 text (expected a SCALE-Sim GEMM topology CSV)")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> GemmTopology {
        let columns = ["Layer", "M", "N", "K"]
        var rows: [(line: Int, fields: [String])] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            while let last = fields.last, last.isEmpty { fields.removeLast() }
            if !fields.isEmpty { rows.append((offset + 1, fields)) }
        }
        guard let header = rows.first else {
            throw ParseError(description: "\(path): empty; expected a header 'Layer, M, N, K,' and one row per layer")
        }
        guard header.fields.map({ $0.lowercased() }) == columns.map({ $0.lowercased() }) else {
            throw ParseError(description: "\(path): line \(header.line): expected the header 'Layer, M, N, K,', got '\(header.fields.joined(separator: ", "))'")
        }
        guard rows.count > 1 else { throw ParseError(description: "\(path): no layers after the header") }
        var layers: [Layer] = []
        for row in rows.dropFirst() {
            guard row.fields.count == columns.count else {
                throw ParseError(description: "\(path): line \(row.line): expected 4 fields (Layer, M, N, K), got \(row.fields.count)")
            }
            var sizes: [Int] = []
            for (index, field) in row.fields.enumerated().dropFirst() {
                guard let value = Int(field), value > 0 else {
                    throw ParseError(description: "\(path): line \(row.line), column \(columns[index]): expected a positive whole number, got '\(field)'")
                }
                sizes.append(value)
            }
            if let problem = shapeProblem(m: sizes[0], k: sizes[2], n: sizes[1]) {
                throw ParseError(description: "\(path): line \(row.line): layer \(row.fields[0]): \(problem)")
            }
            layers.append(Layer(name: row.fields[0], m: sizes[0], n: sizes[1], k: sizes[2]))
        }
        return GemmTopology(layers: layers)
    }
}
