import TandemAdapterCore
import TandemCore
import TandemTestSupport

/// One external system simulated in memory: a table, the outbox its
/// triggers fill, its key map, and the CRDT replica of the node beside it.
/// It drives the pure adapter core exactly as `AdapterRunner` does, with
/// no driver, database or network.
struct SimulatedSystem {
    let mapping: AdapterMapping
    let schema: TableSchema
    let node: NodeID
    var rows: [String: [String: ExternalValue]] = [:]
    var outbox: [CapturedChange] = []
    var sequence: Int64 = 0
    var keys: [String: String] = [:]
    var nextKey = 1
    var replica = RecordCollection()
    /// Writes the adapter made (for counting echoes).
    var adapterWrites = 0

    init(mapping: AdapterMapping, schema: TableSchema, node: NodeID) {
        self.mapping = mapping
        self.schema = schema
        self.node = node
    }

    var identity: RecordIdentity { RecordIdentity(mapping: mapping, schema: schema) }

    // MARK: Edits by other programs (captured)

    mutating func insert(_ columns: [String: ExternalValue], at time: Int64) {
        let key = String(nextKey)
        nextKey += 1
        rows[key] = columns
        record(.insert, key: key, old: nil, new: columns, at: time)
    }

    mutating func update(_ key: String, _ changes: [String: ExternalValue], at time: Int64) {
        guard let old = rows[key] else { return }
        var new = old
        for (column, value) in changes { new[column] = value }
        rows[key] = new
        if new != old { record(.update, key: key, old: old, new: new, at: time) }
    }

    mutating func delete(_ key: String, at time: Int64) {
        guard let old = rows.removeValue(forKey: key) else { return }
        record(.delete, key: key, old: old, new: nil, at: time)
    }

    private mutating func record(_ kind: CapturedChange.Kind, key: String, old: [String: ExternalValue]?,
                                 new: [String: ExternalValue]?, at time: Int64) {
        sequence += 1
        outbox.append(CapturedChange(sequence: sequence, kind: kind, key: key, old: old, new: new, editedAtMillis: time))
    }

    // MARK: The adapter

    /// Captures the outbox into the replica; returns the delta and the
    /// records to repair.
    mutating func capture(now: HLCTimestamp) throws -> (delta: RecordCollection, repairs: Set<String>) {
        let changes = outbox
        outbox.removeAll()
        guard !changes.isEmpty else { return (RecordCollection(), []) }
        let claimed = livingKeys
        let resolution = KeyResolution.resolve(changes, known: keys, claimed: claimed, identity: identity)
        for (key, record) in resolution.newMappings { keys[key] = record }
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
    /// would have recorded it.
    mutating func outbound(_ ids: [String]) throws -> [CapturedChange] {
        var echoes: [CapturedChange] = []
        let byRecord = livingKeys
        for id in ids.sorted() {
            let key = byRecord[id]
            let snapshot = replica.records[id].flatMap { RecordSnapshot(id: id, store: $0) }
            let row = key.flatMap { key in rows[key].map { ExternalRow(key: key, columns: $0) } }
            guard let write = try OutboundPlanner.write(
                record: id, snapshot: snapshot, key: key, row: row, mapping: mapping, schema: schema) else { continue }
            adapterWrites += 1
            switch write {
            case .insert(let record, let key, let columns):
                let newKey = key ?? String(nextKey)
                if key == nil { nextKey += 1 }
                var full = Dictionary(uniqueKeysWithValues: mapping.columns.map { ($0, ExternalValue.null) })
                for (column, value) in columns { full[column] = value }
                rows[newKey] = full
                keys = keys.filter { $0.value != record }
                keys[newKey] = record
                echoes.append(CapturedChange(sequence: 0, kind: .insert, key: newKey, old: nil, new: full, editedAtMillis: 0))
            case .update(_, let key, let columns):
                let old = rows[key] ?? [:]
                var new = old
                for (column, value) in columns { new[column] = value }
                rows[key] = new
                echoes.append(CapturedChange(sequence: 0, kind: .update, key: key, old: old, new: new, editedAtMillis: 0))
            case .delete(_, let key):
                let old = rows.removeValue(forKey: key)
                echoes.append(CapturedChange(sequence: 0, kind: .delete, key: key, old: old, new: nil, editedAtMillis: 0))
            }
        }
        return echoes
    }

    /// Record id to primary key, for rows that exist (what
    /// `AdapterDriver.keys(forRecords:)` returns).
    var livingKeys: [String: String] {
        Dictionary(keys.filter { rows[$0.key] != nil }.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
    }

    /// The table's content with keys and column names replaced by fields:
    /// comparable across systems.
    var canonicalRows: Set<[String: Value]> {
        Set(rows.values.map { row in
            var canonical: [String: Value] = [:]
            for binding in mapping.fields {
                guard let type = schema.columns[binding.column], let value = row[binding.column] else { continue }
                if binding.isSet {
                    let elements = (try? ValueConversion.elements(value, column: binding.column, type: type)) ?? []
                    canonical[binding.field] = .string(elements.map(\.description).joined(separator: ","))
                } else {
                    canonical[binding.field] = (try? ValueConversion.value(value, column: binding.column, type: type)) ?? .null
                }
            }
            return canonical
        })
    }
}
