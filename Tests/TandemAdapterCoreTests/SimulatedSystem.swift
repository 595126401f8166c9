import TandemAdapterCore
import TandemAdapterSim
import TandemCore

/// One external system simulated in memory: a `SimulatedTable` (the table,
/// its outbox and key map, shared with `tandem-sim`) and the CRDT replica of
/// the node beside it. It drives the pure adapter core exactly as
/// `AdapterRunner` does, with no driver, database or network.
struct SimulatedSystem {
    var table: SimulatedTable
    let node: NodeID
    var replica = RecordCollection()

    init(mapping: AdapterMapping, schema: TableSchema, node: NodeID) {
        table = SimulatedTable(mapping: mapping, schema: schema)
        self.node = node
    }

    var mapping: AdapterMapping { table.mapping }
    var schema: TableSchema { table.schema }
    var rows: [String: [String: ExternalValue]] { table.rows }
    var outbox: [CapturedChange] { table.outbox }
    var keys: [String: String] { table.keys }
    var livingKeys: [String: String] { table.livingKeys }
    /// Writes the adapter made (for counting echoes).
    var adapterWrites: Int { table.adapterWrites }
    var identity: RecordIdentity { RecordIdentity(mapping: mapping, schema: schema) }

    // MARK: Edits by other programs (captured)

    mutating func insert(_ columns: [String: ExternalValue], at time: Int64) { table.insert(columns, at: time) }
    mutating func update(_ key: String, _ changes: [String: ExternalValue], at time: Int64) { table.update(key, changes, at: time) }
    mutating func delete(_ key: String, at time: Int64) { table.delete(key, at: time) }

    // MARK: The adapter

    /// Captures the outbox into the replica; returns the delta and the
    /// records to repair.
    mutating func capture(now: HLCTimestamp) throws -> (delta: RecordCollection, repairs: Set<String>) {
        let changes = table.takeChanges(after: 0)
        guard !changes.isEmpty else { return (RecordCollection(), []) }
        let resolution = KeyResolution.resolve(changes, known: keys, claimed: livingKeys, identity: identity)
        table.map(resolution.newMappings)
        var snapshots: [String: RecordSnapshot] = [:]
        for id in Set(resolution.records.values) {
            if let store = replica.records[id], let snapshot = RecordSnapshot(id: id, store: store) { snapshots[id] = snapshot }
        }
        let plan = CapturePlanner(identity: identity, node: node)
            .plan(changes, resolution: resolution, records: snapshots, holdDeletes: false)
        let delta = try plan.apply(to: &replica, by: node, now: now)
        return (delta, plan.repairs)
    }

    /// Writes records `ids` to the table as the adapter would (not
    /// captured: the marker), returning each write as the capture trigger
    /// would have recorded it without the marker.
    mutating func outbound(_ ids: [String]) throws -> [CapturedChange] {
        var writes: [ExternalWrite] = []
        let byRecord = livingKeys
        for id in ids.sorted() {
            let key = byRecord[id]
            let snapshot = replica.records[id].flatMap { RecordSnapshot(id: id, store: $0) }
            let row = key.flatMap { key in rows[key].map { ExternalRow(key: key, columns: $0) } }
            if let write = try OutboundPlanner.write(
                record: id, snapshot: snapshot, key: key, row: row, mapping: mapping, schema: schema) {
                writes.append(write)
            }
        }
        let before = table.sequence
        table.capturesOwnWrites = true
        _ = table.apply(writes, capturedThrough: before, at: 0)
        table.capturesOwnWrites = false
        return table.takeChanges(after: before)
    }

    /// The table's content with keys and column names replaced by fields:
    /// comparable across systems.
    var canonicalRows: [[Value]] { table.canonicalRows }
}
