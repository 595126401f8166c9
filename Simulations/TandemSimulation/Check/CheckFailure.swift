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
    /// (7) Once healed and quiet, every external table holds exactly the
    /// rows the converged CRDT state says (so every pair of tables agrees
    /// after mapping).
    case tables
    /// (8) No echo: no adapter write captured back as an edit, and no row
    /// written more times than the edits warrant.
    case echo
    /// (9) No duplicates by match key, in the CRDT or in any table.
    case duplicates
    /// (10) Held mass deletes are neither applied while held nor lost.
    case heldDeletes
    /// (11) The newest edit by edit time wins per field, and every field
    /// value is one some program made.
    case editTimes
    /// (12) Every triggering change of a cross-record rule produced exactly
    /// one effect on every node: one created record per source, the linked
    /// record updated.
    case rules

    public static func < (lhs: Checker, rhs: Checker) -> Bool { lhs.rawValue < rhs.rawValue }

    public var name: String {
        switch self {
        case .convergence: "convergence"
        case .model: "reference model"
        case .acknowledged: "acknowledged writes"
        case .forgedInput: "forged input"
        case .convergenceBound: "convergence bound"
        case .clockOrder: "clock order"
        case .tables: "tables"
        case .echo: "echo"
        case .duplicates: "duplicates"
        case .heldDeletes: "held deletes"
        case .editTimes: "edit times"
        case .rules: "rules"
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
