/// Which values share one scale (and one selector, where a format has one).
public enum Granularity: Hashable, Sendable, Codable, CustomStringConvertible {
    /// One scale for the whole tensor.
    case tensor
    /// One scale per row: an output channel of a weight, a token of an activation.
    case channel
    /// One scale per run of `size` consecutive values along the last axis. A row whose length is
    /// not a multiple of `size` ends in one shorter group (documented, never padded).
    case group(Int)

    public var description: String {
        switch self {
        case .tensor: return "tensor"
        case .channel: return "channel"
        case .group(let size): return "group\(size)"
        }
    }

    public init?(_ text: String) {
        switch text {
        case "tensor": self = .tensor
        case "channel", "token": self = .channel
        default:
            guard text.hasPrefix("group"), let size = Int(text.dropFirst(5)), size > 0 else { return nil }
            self = .group(size)
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Granularity(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "granularity '\(text)': expected tensor, channel or groupN"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The largest group: 2^24 values (a group longer than any row here is one per row).
    public static let maxGroupSize = 1 << 24

    func validate() throws {
        if case .group(let size) = self, size <= 0 || size > Granularity.maxGroupSize {
            throw QuantizationError.invalidParameter(field: "group", message: "group size must be 1 to \(Granularity.maxGroupSize), got \(size)")
        }
    }
}

/// The groups of a tensor under a granularity: each is a contiguous range of the row-major values.
public struct GroupLayout: Sendable {
    public let rows: Int
    public let columns: Int
    public let granularity: Granularity
    public let groupsPerRow: Int
    public let groupCount: Int

    public init(rows: Int, columns: Int, granularity: Granularity) {
        self.rows = rows
        self.columns = columns
        self.granularity = granularity
        switch granularity {
        case .tensor:
            groupsPerRow = 1
            groupCount = 1
        case .channel:
            groupsPerRow = 1
            groupCount = rows
        case .group(let size):
            groupsPerRow = (columns + size - 1) / size
            groupCount = rows * groupsPerRow
        }
    }

    public init(shape: [Int], granularity: Granularity) {
        self.init(rows: shape.dropLast().reduce(1, *), columns: shape.last ?? 1, granularity: granularity)
    }

    /// Flat index range of one group.
    @inline(__always)
    public func range(of group: Int) -> Range<Int> {
        switch granularity {
        case .tensor: return 0..<(rows * columns)
        case .channel: return (group * columns)..<((group + 1) * columns)
        case .group(let size):
            let row = group / groupsPerRow
            let start = row * columns + (group % groupsPerRow) * size
            return start..<min(start + size, (row + 1) * columns)
        }
    }
}
