extension QuantizedTensor {
    /// Stacks matrices of one format on top of each other (more rows, the same columns). Every
    /// field keeps per-row entries, so rows and their metadata carry over unchanged.
    public static func stackingRows(_ parts: [QuantizedTensor]) throws -> QuantizedTensor {
        let first = try joinable(parts)
        guard parts.allSatisfy({ $0.shape[1] == first.shape[1] }) else {
            throw QuantizationError.invalidShape("stacked matrices need the same columns, got \(parts.map { $0.shape[1] })")
        }
        var result = first
        result.shape[0] = parts.reduce(0) { $0 + $1.shape[0] }
        result.codes.values = parts.flatMap(\.codes.values)
        for index in result.metadata.indices {
            result.metadata[index].values = parts.flatMap { $0.metadata[index].values }
        }
        return result
    }

    /// Joins matrices of one format side by side along the reduction axis (the same rows, more
    /// columns). Groups must not straddle a seam: every part but the last holds whole groups.
    public static func joiningColumns(_ parts: [QuantizedTensor]) throws -> QuantizedTensor {
        let first = try joinable(parts)
        let rows = first.shape[0]
        guard parts.allSatisfy({ $0.shape[0] == rows }) else {
            throw QuantizationError.invalidShape("joined matrices need the same rows, got \(parts.map { $0.shape[0] })")
        }
        if !first.metadata.isEmpty {
            guard case .group(let size) = first.format.granularity else {
                throw QuantizationError.invalidParameter(
                    field: "granularity", message: "\(first.format.name): only group-wise formats join along the reduction axis")
            }
            if let straddling = parts.dropLast().first(where: { $0.shape[1] % size != 0 }) {
                throw QuantizationError.invalidShape("a part of \(straddling.shape[1]) columns would split a group of \(size)")
            }
        }
        func interleave(_ fields: [BitField]) -> [UInt32] {
            let widths = fields.map { $0.values.count / rows }
            var values = [UInt32]()
            values.reserveCapacity(widths.reduce(0, +) * rows)
            for row in 0..<rows {
                for (field, width) in zip(fields, widths) { values += field.values[(row * width)..<((row + 1) * width)] }
            }
            return values
        }
        var result = first
        result.shape[1] = parts.reduce(0) { $0 + $1.shape[1] }
        result.codes.values = interleave(parts.map(\.codes))
        for index in result.metadata.indices {
            result.metadata[index].values = interleave(parts.map { $0.metadata[index] })
        }
        return result
    }

    /// Checks the parts are matrices of one format whose fields all hold whole rows.
    private static func joinable(_ parts: [QuantizedTensor]) throws -> QuantizedTensor {
        guard let first = parts.first else { throw QuantizationError.invalidShape("nothing to join") }
        if first.format.granularity == .tensor && !first.metadata.isEmpty {
            throw QuantizationError.invalidParameter(
                field: "granularity", message: "\(first.format.name): metadata shared by a whole tensor cannot be joined")
        }
        for part in parts {
            guard part.format == first.format else {
                throw QuantizationError.malformedQuantizedTensor("cannot join \(part.format.name) with \(first.format.name)")
            }
            guard part.shape.count == 2 else { throw QuantizationError.invalidShape("only matrices join, got shape \(part.shape)") }
            guard part.metadata.count == first.metadata.count,
                  ([part.codes] + part.metadata).allSatisfy({ $0.values.count % part.shape[0] == 0 }) else {
                throw QuantizationError.invalidParameter(
                    field: "granularity", message: "\(part.format.name): a field is not stored row by row (one scale per tensor?)")
            }
        }
        return first
    }
}
