/// What a run did, for its summary and docs/simulation.md: faults by kind,
/// edits made and skipped, and how long convergence took.
public struct RunFigures: Sendable {
    public var faultsByKind: [String: Int] = [:]
    /// Edits that changed a row, by kind.
    public var editsByKind: [String: Int] = [:]
    /// Edits that found nothing to change (no row with that key yet).
    public var editsSkipped = 0
    /// Edits that failed (the database unreachable).
    public var editsFailed = 0
    public var kills = 0
    public var postgresRestarts = 0
    /// Connections cut short mid-frame by `reset` faults.
    public var connectionsReset = 0
    /// From the last heal to the first moment of the quiet streak that
    /// ended in convergence, in milliseconds (nil: no convergence).
    public var convergenceMillis: Int?
    public var faultPhaseMillis = 0
    /// Fields of existing records the reference model was compared on
    /// (summed over nodes), and of those the ones it determined exactly.
    public var modelFields = 0
    public var modelDetermined = 0
    /// Conflict events in every node's audit log.
    public var auditConflicts = 0

    public init() {}

    public var editsMade: Int { editsByKind.values.reduce(0, +) }

    public var summary: String {
        let faults = faultsByKind.keys.sorted().map { "\($0) \(faultsByKind[$0] ?? 0)" }.joined(separator: ", ")
        let edits = editsByKind.keys.sorted().map { "\($0) \(editsByKind[$0] ?? 0)" }.joined(separator: ", ")
        var lines = [
            "faults: \(faults.isEmpty ? "none" : faults); SIGKILLs \(kills)\(postgresRestarts > 0 ? "; PostgreSQL restarts \(postgresRestarts)" : "")",
            "connections reset mid-frame: \(connectionsReset)",
            "edits: \(editsMade) made (\(edits)), \(editsSkipped) skipped (nothing to edit), \(editsFailed) failed",
            "reference model: \(modelFields) fields compared over the nodes, \(modelDetermined) determined exactly; \(auditConflicts) conflict events audited",
        ]
        if let convergenceMillis {
            lines.append("converged \(convergenceMillis) ms after the last heal")
        } else {
            lines.append("did not converge")
        }
        return lines.joined(separator: "\n")
    }
}
