/// The commits an injected failure is aimed at: the ones whose loss would
/// matter (a `setAcknowledged` or an audit append failing is harmless, so
/// the simulator does not spend its failures there).
public enum CommitKind: Int, CaseIterable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A local write (`commitLocal`): it must fail whole and not be acknowledged.
    case localWrite
    /// Peers' batches (`commitRemote`): they stay unapplied until offered again.
    case remoteBatches
    /// Digest reconciliation (`commitReconciliation`, `adoptHeld`): the
    /// reconciliation must be retried or completed another way.
    case reconciliation

    public static func < (lhs: CommitKind, rhs: CommitKind) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .localWrite: "local writes"
        case .remoteBatches: "remote batch commits"
        case .reconciliation: "reconciliation commits"
        }
    }
}
