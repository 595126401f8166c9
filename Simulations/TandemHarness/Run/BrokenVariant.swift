/// Test-only breakage (`tandem-harness --break NAME`): what a broken node
/// would do to its table, done by the harness to n1's table (always
/// SQLite) once the fault phase is over, so a run that must fail shows
/// which check catches it. The writes go in with the adapter's own marker
/// set (`_tandem_control_<table>.applying`), so the node's capture does
/// not see them, as it does not see its adapter's writes. Tandem's code is
/// not changed. docs/simulation.md, "The harness can fail".
public enum BrokenVariant: String, CaseIterable, Sendable {
    /// A node that drops an edit: n1's table gets one more edit, a new
    /// name on its first row, that its capture never takes. The edit is
    /// recorded like any other, so the model expects it (it is surely the
    /// latest). Caught by the reference model check (and the tables and
    /// the audit check; the convergence wait runs out, as the tables keep
    /// differing).
    case loseEdit = "lose-edit"
    /// A node that makes a second row of one record: a copy of n1's first
    /// row with its email in upper case. Caught by the duplicates check.
    case duplicateRow = "duplicate-row"
    /// A node whose adapter writes back what it wrote (an echo): every row
    /// of n1's table is rewritten, unchanged, more times than the edits of
    /// its record warrant. Caught by the echo check.
    case echo

    /// The check that must fail.
    public var caughtBy: String {
        switch self {
        case .loseEdit: CheckNames.model
        case .duplicateRow: CheckNames.duplicates
        case .echo: CheckNames.echo
        }
    }
}

/// The checks' names, as the report prints them.
public enum CheckNames {
    public static let tables = "every pair of tables holds the same rows and values"
    public static let duplicates = "no duplicate rows by match key"
    public static let editHistory = "every edit is present or superseded by a later or concurrent one (edit times)"
    public static let audit = "every edit is present, replaced by an edit that saw it, or named a loser in an audit log"
    public static let echo = "no echo: no row written more often than the edits warrant"
    public static let status = "tandem status --json reports full parity on every node"
    public static let model = "the nodes' CRDT states agree with the reference model"
    public static let quiet = "quiet after convergence: no row written during the checks"
}
