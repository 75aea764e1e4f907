/// The loop every scaled format shares: the groups of a tensor are quantized in parallel, each by
/// a `body` that reads the group's values, writes the group's codes, and fills the group's entry
/// of every metadata field.
enum Groupwise {
    typealias GroupBody = (_ values: UnsafeBufferPointer<Float>, _ codes: UnsafeMutableBufferPointer<UInt32>,
                           _ metadata: UnsafeMutableBufferPointer<UInt32>) -> Void

    /// Returns the codes (one per value) and, per field, one metadata entry per group.
    static func quantize(_ tensor: Tensor, layout: GroupLayout, fields: Int, _ body: GroupBody)
        -> (codes: [UInt32], metadata: [[UInt32]]) {
        var codes = [UInt32](repeating: 0, count: tensor.count)
        var metadata = [UInt32](repeating: 0, count: layout.groupCount * fields)
        tensor.values.withUnsafeBufferPointer { input in
            codes.withUnsafeMutableBufferPointer { codeOut in
                metadata.withUnsafeMutableBufferPointer { metadataOut in
                    Parallel.forEachChunk(count: layout.groupCount) { groups in
                        for group in groups {
                            let range = layout.range(of: group)
                            body(UnsafeBufferPointer(rebasing: input[range]), UnsafeMutableBufferPointer(rebasing: codeOut[range]),
                                 UnsafeMutableBufferPointer(rebasing: metadataOut[(group * fields)..<((group + 1) * fields)]))
                        }
                    }
                }
            }
        }
        let split = (0..<fields).map { field in stride(from: field, to: metadata.count, by: fields).map { metadata[$0] } }
        return (codes, split)
    }
}
