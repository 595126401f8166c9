/// The checkers every run goes through.
public enum Checker: Int, CaseIterable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// (1) After the last heal and quiescence every node holds the same state.
    case convergence = 1
    /// (2) Every node agrees with the reference model.
    case model
    /// (3) No acknowledged write is missing anywhere.
    case acknowledged
    /// (4) Forged or garbage input changed nothing.
    case forgedInput
    /// (5) Convergence came within the bound after the heal.
    case convergenceBound
    /// (6) Every local write is stamped later than every entry its node held
    /// when it wrote (independent of the code's clock: read from the store).
    case clockOrder

    public static func < (lhs: Checker, rhs: Checker) -> Bool { lhs.rawValue < rhs.rawValue }

    public var name: String {
        switch self {
        case .convergence: "convergence"
        case .model: "reference model"
        case .acknowledged: "acknowledged writes"
        case .forgedInput: "forged input"
        case .convergenceBound: "convergence bound"
        case .clockOrder: "clock order"
        }
    }

    public var description: String { "checker \(rawValue) (\(name))" }
}

/// One thing a checker found wrong.
public struct CheckFailure: Hashable, Sendable, CustomStringConvertible {
    public var checker: Checker
    public var message: String

    public init(_ checker: Checker, _ message: String) {
        self.checker = checker
        self.message = message
    }

    public var description: String { "\(checker): \(message)" }
}
