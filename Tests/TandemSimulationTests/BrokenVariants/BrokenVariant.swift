import TandemAdapterCore
import TandemRules
import TandemSimulation

/// The deliberately broken variants the checkers must catch.
enum BrokenVariant: String, CaseIterable, Sendable, CustomStringConvertible {
    /// A join that drops a concurrent write.
    case lossyJoin
    /// A relay that skips forwarding.
    case nonRelaying
    /// A node that acknowledges before committing.
    case eagerAck
    /// A store that advances its batch vector before committing the batch.
    case vectorFirst
    /// Tables whose capture ignores the adapter's marker: the adapter's own
    /// writes come back as edits (echo).
    case echoingTable
    /// A match rule that does not fold case: the same person entered as
    /// `P3@example.com` and `p3@example.com` becomes two records.
    case caseSensitiveMatch
    /// An adapter that prunes captured changes from the outbox before the
    /// commit capturing them succeeded: a failed commit loses them.
    case eagerCapture
    /// An adapter that does not sweep its records when it starts (as
    /// `AdapterRunner` does not yet): records changed while it could not
    /// write never reach its table.
    case noSweepAtStart
    /// A rule runner that names the record a rule creates after the node
    /// that fires it: two nodes firing for one proposal create two projects.
    case nodeNamedRuleRecord

    var hooks: SimulationHooks {
        switch self {
        case .lossyJoin:
            SimulationHooks(
                makeStore: { index, node, directory in LossyJoinStore(SimulationHooks.production.makeStore(index, node, directory)) },
                wrapShell: { _, _, shell in shell })
        case .nonRelaying:
            SimulationHooks(
                makeStore: SimulationHooks.production.makeStore,
                wrapShell: { _, node, shell in NonRelayingShell(shell, node: node) })
        case .eagerAck:
            SimulationHooks(
                makeStore: { index, node, directory in EagerAckStore(SimulationHooks.production.makeStore(index, node, directory)) },
                wrapShell: { _, _, shell in shell })
        case .vectorFirst:
            SimulationHooks(
                makeStore: { index, node, directory in VectorFirstStore(SimulationHooks.production.makeStore(index, node, directory)) },
                wrapShell: { _, _, shell in shell })
        case .echoingTable: Self.adapter(AdapterHooks(tablesCaptureOwnWrites: true))
        case .caseSensitiveMatch:
            Self.adapter(AdapterHooks(mapping: { _, mapping in
                var broken = mapping
                broken.match = MatchRule(field: "email", foldsCase: false)
                return broken
            }))
        case .eagerCapture: Self.adapter(AdapterHooks(acknowledgesBeforeCommit: true))
        case .noSweepAtStart: Self.adapter(AdapterHooks(sweepsAtStart: false))
        case .nodeNamedRuleRecord:
            SimulationHooks(
                makeStore: SimulationHooks.production.makeStore, wrapShell: { _, _, shell in shell },
                rules: RuleHooks(record: { write, node in write.effect == .create ? write.record + "@n\(node)" : write.record }))
        }
    }

    /// Production stores and shells with a broken adapter.
    private static func adapter(_ adapter: AdapterHooks) -> SimulationHooks {
        SimulationHooks(makeStore: SimulationHooks.production.makeStore, wrapShell: { _, _, shell in shell }, adapter: adapter)
    }

    var description: String { rawValue }
}
