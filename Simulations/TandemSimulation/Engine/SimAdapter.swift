import TandemAdapterCore
import TandemAdapterSim
import TandemCore

/// One node's adapter in the simulator: its external table (durable: it
/// lives in the external system, with its outbox and key map) and what the
/// runner keeps in memory (lost with a crash). Every decision is the pure
/// adapter core's; the simulator drives it as `AdapterRunner` does
/// (`Simulation-Adapters.swift`), with its cursor committed in the node's
/// store with each capture.
struct SimAdapter {
    var table: SimulatedTable
    /// The external system's clock offset from virtual time.
    let systemSkew: Int64
    /// How long the adapter takes to notice a captured change.
    let captureDelay: UInt64
    /// The operator's standing decision on held deletes (nil: none yet).
    var decision: Bool?
    /// Sweeps (after schema drift) and rejected holds: each may rewrite
    /// every row once (checker 8's allowance).
    var rewrites = 0

    // In memory only: reset at every start.
    var cursor = AdapterCursor(backfilled: true)
    var retries = SimAdapter.freshRetries
    var heldKeys: Set<String> = []
    var noted: [String] = []
    var notedSet: Set<String> = []
    /// Why the adapter is paused (schema drift), or nil.
    var paused: String?
    var sweeping = false
    /// Captures lost: the outbox reads fail until the node restarts.
    var stalled = false
    var acknowledgedThrough: Int64 = 0
    /// When the open hold was opened (virtual ms), if one is.
    var holdOpenedAt: UInt64?
    /// When the next wake-up is scheduled (virtual ms), if any.
    var wakeAt: UInt64?

    /// Retries start at 100 ms and back off to 1 s (the runner's default
    /// is 500 ms to 60 s: shorter here, so a run converges in a few seconds).
    static let freshRetries = RetrySchedule(initialMillis: 100, maximumMillis: 1_000)

    /// How long an operator takes to approve a hold no planned mass delete
    /// decided (deletes piled up while a node was down or stalled).
    static let operatorMillis: UInt64 = 1_000

    var mapping: AdapterMapping { table.mapping }

    init(table: SimulatedTable, systemSkew: Int64, captureDelay: UInt64) {
        self.table = table
        self.systemSkew = systemSkew
        self.captureDelay = captureDelay
    }

    /// Forgets what the runner held in memory (a crash, or a start).
    mutating func reset() {
        cursor = AdapterCursor(backfilled: true)
        retries = SimAdapter.freshRetries
        heldKeys = []
        noted = []
        notedSet = []
        paused = nil
        sweeping = false
        stalled = false
        acknowledgedThrough = 0
        holdOpenedAt = nil
        wakeAt = nil
    }

    /// Notes records to write to the table.
    mutating func note<S: Sequence>(_ records: S) where S.Element == String {
        for record in records where notedSet.insert(record).inserted { noted.append(record) }
    }

    /// Whether nothing is left to do: every change captured, no record
    /// waiting to be written or retried, no hold open, not paused.
    var isIdle: Bool {
        paused == nil && !stalled && !sweeping && noted.isEmpty && retries.isEmpty && cursor.held.isEmpty
            && table.sequence <= cursor.through
    }

    /// The mapping of node `index`'s table: even nodes name their columns
    /// `email`, `name`, `phone`, odd nodes `mail`, `full_name`, `tel`.
    static func mapping(index: Int) -> AdapterMapping {
        let columns = index % 2 == 0 ? ["email", "name", "phone"] : ["mail", "full_name", "tel"]
        return AdapterMapping(
            name: "table\(index)", collection: Simulation.adapterCollection, table: "contacts\(index)", keyColumn: "id",
            fields: zip(["email", "name", "phone"], columns).map { FieldBinding(field: $0.0, column: $0.1) },
            match: MatchRule(field: "email"), massDeletes: MassDeletePolicy(share: 0.2, minimumRows: 4))
    }

    static func schema(_ mapping: AdapterMapping) -> TableSchema {
        var columns: [String: ColumnType] = ["id": .integer]
        for column in mapping.columns { columns[column] = .text }
        return TableSchema(table: mapping.table, keyColumn: "id", columns: columns)
    }
}

/// One edit another program made to a table, as the edit-time checker
/// needs it: which row and field, the value, and the edit time.
struct ExternalEditRecord {
    var node: Int
    var key: String
    var field: String
    var value: Value
    var editedAtMillis: Int64
    /// False for the NULL of a column an inserted row was not given: no
    /// edit of a field the record already holds (the capture rules).
    var given: Bool
}
