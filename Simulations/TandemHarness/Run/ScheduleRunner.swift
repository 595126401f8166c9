import Foundation

/// Carries out a schedule on a cluster, in time order: edits through the
/// external tables, link faults through the links' controls, SIGKILLs and
/// restarts of nodes, the PostgreSQL restart. Records every edit that
/// changed a row, with its time window.
struct ScheduleRunner {
    let cluster: Cluster
    /// Restarts the PostgreSQL server (nil when the run has none).
    let restartPostgres: (@Sendable () async throws -> Void)?
    let log: @Sendable (String) -> Void

    /// Runs `events` from now; returns the edits made and the figures.
    func run(_ events: [ScheduledEvent], figures: inout RunFigures) async throws -> [AppliedEdit] {
        let clock = ContinuousClock()
        let start = clock.now
        var applied: [AppliedEdit] = []
        for event in events {
            // The schedule's own timing, not synchronisation.
            try await clock.sleep(until: start + .milliseconds(event.atMillis))
            switch event.action {
            case .edit(let node, let edit):
                do {
                    if let done = try await cluster.tables[node].apply(edit, node: node, step: event.step) {
                        applied.append(done)
                        figures.editsByKind[Self.kind(edit, done), default: 0] += 1
                    } else {
                        figures.editsSkipped += 1
                    }
                } catch {
                    figures.editsFailed += 1
                    log("edit failed: \(event.description): \(error)")
                }
            case .startFault(let link, let fault):
                figures.faultsByKind[fault.kind, default: 0] += 1
                guard let control = cluster.control(link) else { continue }
                if fault == .reset {
                    control.resetMidFrame()
                } else {
                    control.update { fault.apply(to: &$0) }
                }
            case .endFault(let link, let fault):
                cluster.control(link)?.update { fault.lift(from: &$0) }
            case .kill(let node):
                figures.kills += 1
                await cluster.nodes[node].kill()
            case .restart(let node):
                if !cluster.nodes[node].isRunning { try cluster.nodes[node].start() }
            case .restartPostgres:
                if let restartPostgres {
                    figures.postgresRestarts += 1
                    try await restartPostgres()
                }
            }
        }
        figures.faultPhaseMillis = Int((clock.now - start).components.seconds * 1000)
        return applied
    }

    /// Ends every fault and starts every node that is down.
    func healAll() throws {
        for control in cluster.links { control.heal() }
        for node in cluster.nodes where !node.isRunning { try node.start() }
    }

    static func kind(_ edit: ExternalEdit, _ done: AppliedEdit) -> String {
        switch edit {
        case .insert: done.written.keys.contains("email") ? "insert" : "insert over an existing row"
        case .update(_, let values): values.values.contains { $0.utf8.count > 1_000 } ? "large value" : "update"
        case .delete: "delete"
        case .addTag: "set add"
        case .removeTag: "set remove"
        }
    }
}
