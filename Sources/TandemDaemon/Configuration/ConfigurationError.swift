/// A configuration file that cannot be used, with everything an operator
/// needs to fix it on one line.
///
/// Guarantees: ``description`` is a single line naming the file, the line
/// (when the key or its section appears in the file), the key (as a path such
/// as `peer[2].public_key`, array entries counted from 1) and what is expected.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The configuration file.
    public var file: String
    /// The line of the offending key or section, from 1, when known.
    public var line: Int?
    /// The key path, such as `node.listen` or `adapter[1].fields`; empty for
    /// errors about the file as a whole.
    public var key: String
    /// What is wrong and what is expected.
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if !key.isEmpty { text += "\(key): " }
        text += message
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
