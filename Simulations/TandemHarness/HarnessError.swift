/// A harness failure that is not a check's verdict: a node that would not
/// start, a database that could not be edited, a bad option.
public struct HarnessError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
