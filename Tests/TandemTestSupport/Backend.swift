public import Testing

/// The store implementations one test body runs against (as GRDB's tests
/// run one body against several kinds of database):
/// `@Test(arguments: Backend.allCases)`.
public enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite

    public var testDescription: String { rawValue }
}
