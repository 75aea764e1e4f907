/// A tensor file that could not be used, naming the file, the field and what was expected.
public struct TensorFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let field: String
    public let message: String

    public init(path: String, field: String, message: String) {
        self.path = path
        self.field = field
        self.message = message
    }

    public var description: String { "\(path): \(field): \(message)" }
}
