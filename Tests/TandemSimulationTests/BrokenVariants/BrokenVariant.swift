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
        }
    }

    var description: String { rawValue }
}
