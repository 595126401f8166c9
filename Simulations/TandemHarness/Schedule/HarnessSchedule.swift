/// What happens at one moment of a run.
public enum ScheduledAction: Sendable, Hashable {
    /// An edit of node `node`'s table, from outside.
    case edit(node: Int, ExternalEdit)
    /// A link fault starts (ended by a matching `.endFault`).
    case startFault(link: HarnessLink, LinkFault)
    case endFault(link: HarnessLink, LinkFault)
    /// SIGKILL, and a later restart.
    case kill(node: Int)
    case restart(node: Int)
    /// The PostgreSQL server is stopped and started again.
    case restartPostgres
}

/// One line of the schedule: an action at a time from the start of the
/// fault phase, and the step of the plan it belongs to (edits of one
/// collision share a step).
public struct ScheduledEvent: Sendable, Hashable {
    public var atMillis: Int
    public var step: Int
    public var action: ScheduledAction

    public var description: String {
        let time = String(atMillis).leftPadded(to: 6)
        let what: String
        switch action {
        case .edit(let node, let edit): what = "n\(node + 1) \(edit.description)"
        case .startFault(let link, let fault): what = "link \(link): \(fault.description)"
        case .endFault(let link, let fault): what = "link \(link): end \(fault.kind)"
        case .kill(let node): what = "n\(node + 1) SIGKILL"
        case .restart(let node): what = "n\(node + 1) restart"
        case .restartPostgres: what = "PostgreSQL server restart"
        }
        return "\(time) ms  #\(step)  \(what)"
    }
}

/// The whole plan of a run, derived from its seed: initial rows, then the
/// timed events of the fault phase, in time order.
public struct HarnessSchedule: Sendable {
    public var seed: UInt64
    /// Rows each node's table holds before the nodes start (the backfill).
    public var initialRows: [[ExternalEdit]]
    public var events: [ScheduledEvent]
    /// The length of the fault phase; every fault has ended by then.
    public var durationMillis: Int

    /// The printed schedule, one event a line.
    public var description: String {
        var lines = ["schedule of seed \(seed): \(events.count) events over \(durationMillis) ms"]
        for (node, rows) in initialRows.enumerated() {
            for row in rows { lines.append("     0 ms  initial  n\(node + 1) \(row.description)") }
        }
        lines += events.map(\.description)
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
