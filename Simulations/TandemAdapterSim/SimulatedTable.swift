public import TandemAdapterCore
public import TandemCore

/// One external table simulated in memory, with what a driver installs in
/// it: the outbox its capture triggers fill, and the key map. No adapter
/// logic lives here: every decision is the pure adapter core's
/// (`KeyResolution`, `CapturePlanner`, `OutboundPlanner`); this is the
/// `AdapterDriver` side, synchronous and deterministic, shared by the
/// adapter core's property tests and `tandem-sim`.
///
/// It keeps the drivers' guarantees (docs/adapters.md, "Writing a driver"):
/// every edit by another program is captured with its edit time; the
/// adapter's own writes carry the marker and are not captured (unless
/// `capturesOwnWrites`, a broken variant for tests); each write runs alone
/// (a refused one fails alone); the key map changes with the rows.
///
/// ```swift
/// var table = SimulatedTable(mapping: mapping, schema: schema)
/// table.insert(["email": .text("ada@example.com")], at: 1_700_000_000_000)
/// let read = table.read(after: 0, limit: 100)   // one captured insert
/// ```
public struct SimulatedTable: Sendable {
    /// Where a row change came from.
    public enum Origin: Hashable, Sendable {
        /// An edit by another program (numbered by the caller).
        case external(Int)
        /// A write of the adapter (captured only by a broken table).
        case adapter
    }

    public let mapping: AdapterMapping
    /// The table's columns as created (a removed column comes back with
    /// this type).
    public let fullSchema: TableSchema
    /// The columns the table has now (what `describe` returns).
    public private(set) var schema: TableSchema
    public private(set) var rows: [String: [String: ExternalValue]] = [:]
    /// Captured changes not yet acknowledged, in order (durable: it
    /// survives a restart of the node).
    public private(set) var outbox: [CapturedChange] = []
    /// The origin of each outbox change, by sequence.
    public private(set) var origins: [Int64: Origin] = [:]
    public private(set) var sequence: Int64 = 0
    /// The key map: primary key to record id.
    public private(set) var keys: [String: String] = [:]
    /// Every mapping the key map ever held (for reports and checkers).
    public private(set) var everMapped: [String: String] = [:]
    public private(set) var nextKey = 1
    /// Successful adapter writes per row key, and in all.
    public private(set) var writesByKey: [String: Int] = [:]
    public private(set) var adapterWrites = 0
    /// Adapter writes the table refused.
    public private(set) var refusedWrites = 0
    /// Whether the capture trigger records the adapter's own writes (it
    /// ignores its marker): a broken table, for tests only.
    public var capturesOwnWrites = false
    /// A CHECK constraint: text values longer than this are refused in
    /// `constrainedColumn` (nil: no constraint).
    public var maxTextLength: Int?
    public var constrainedColumn: String?
    /// Changes captured from the adapter's own writes (echoes), counted.
    public private(set) var echoesRecorded = 0

    public init(mapping: AdapterMapping, schema: TableSchema) {
        self.mapping = mapping
        self.fullSchema = schema
        self.schema = schema
    }

    // MARK: Edits by other programs (captured)

    /// Inserts a row with a new primary key; returns the key.
    @discardableResult
    public mutating func insert(_ columns: [String: ExternalValue], at time: Int64, origin: Int = 0) -> String {
        let key = String(nextKey)
        nextKey += 1
        var full = emptyRow
        for (column, value) in columns where schema.columns[column] != nil { full[column] = value }
        rows[key] = full
        record(.insert, key: key, old: nil, new: full, at: time, origin: .external(origin))
        return key
    }

    /// Updates columns of row `key` (a missing row: nothing). An update
    /// that changes nothing is not captured.
    public mutating func update(_ key: String, _ changes: [String: ExternalValue], at time: Int64, origin: Int = 0) {
        guard let old = rows[key] else { return }
        var new = old
        for (column, value) in changes where schema.columns[column] != nil { new[column] = value }
        rows[key] = new
        if new != old { record(.update, key: key, old: old, new: new, at: time, origin: .external(origin)) }
    }

    /// Deletes row `key`.
    public mutating func delete(_ key: String, at time: Int64, origin: Int = 0) {
        guard let old = rows.removeValue(forKey: key) else { return }
        record(.delete, key: key, old: old, new: nil, at: time, origin: .external(origin))
    }

    /// Whether another program's write of `value` to `column` passes the
    /// table's constraint.
    public func accepts(_ value: ExternalValue, column: String) -> Bool {
        guard let limit = maxTextLength, column == constrainedColumn, case .text(let text) = value else { return true }
        return text.count <= limit
    }

    // MARK: Schema drift

    /// Drops `column` (its values are gone); nothing if it is missing.
    public mutating func dropColumn(_ column: String) {
        guard schema.columns[column] != nil else { return }
        schema.columns[column] = nil
        for key in rows.keys { rows[key]?[column] = nil }
    }

    /// Adds `column` back with its original type, NULL in every row;
    /// nothing if it is there.
    public mutating func restoreColumn(_ column: String) {
        guard schema.columns[column] == nil, let type = fullSchema.columns[column] else { return }
        schema.columns[column] = type
        for key in rows.keys { rows[key]?[column] = .null }
    }

    // MARK: The driver

    /// Up to `limit` captured changes after `after`, with the counts the
    /// mass delete check needs (`AdapterDriver.changes(after:limit:)`).
    public func read(after: Int64, limit: Int) -> CaptureRead {
        let pending = outbox.filter { $0.sequence > after }
        return CaptureRead(
            changes: Array(pending.prefix(limit)), pendingDeletes: pending.filter { $0.kind == .delete }.count,
            tableRows: rows.count)
    }

    /// The outbox changes with these sequences (held deletes).
    public func changes(in ranges: [ClosedRange<Int64>]) -> [CapturedChange] {
        outbox.filter { change in ranges.contains { $0.contains(change.sequence) } }
    }

    /// Removes and returns the changes after `after` (what a test reads
    /// once and discards).
    public mutating func takeChanges(after: Int64) -> [CapturedChange] {
        let taken = outbox.filter { $0.sequence > after }
        outbox.removeAll { $0.sequence > after }
        return taken
    }

    /// Removes handled changes up to `through`, keeping those in `keeping`.
    public mutating func acknowledge(through: Int64, keeping: [ClosedRange<Int64>]) {
        outbox.removeAll { change in change.sequence <= through && !keeping.contains { $0.contains(change.sequence) } }
    }

    /// Record ids mapped to these primary keys.
    public func records(forKeys keys: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for key in keys { if let record = self.keys[key] { result[key] = record } }
        return result
    }

    /// Record id to primary key, for rows that exist.
    public var livingKeys: [String: String] {
        var result: [String: String] = [:]
        for (key, record) in keys.sorted(by: { $0.key < $1.key }) where rows[key] != nil && result[record] == nil {
            result[record] = key
        }
        return result
    }

    /// Primary keys of rows that exist, mapped to these records.
    public func keys(forRecords records: [String]) -> [String: String] {
        let living = livingKeys
        var result: [String: String] = [:]
        for record in records { if let key = living[record] { result[record] = key } }
        return result
    }

    /// Saves mappings (a record mapped to a row that is gone is released).
    public mutating func map(_ mappings: [String: String]) {
        for (key, record) in mappings.sorted(by: { $0.key < $1.key }) { setMapping(key, record) }
    }

    /// The rows with these keys.
    public func rows(keys: [String]) -> [String: ExternalRow] {
        var result: [String: ExternalRow] = [:]
        for key in keys { if let row = rows[key] { result[key] = ExternalRow(key: key, columns: row) } }
        return result
    }

    /// Runs `writes`, each alone, marked (not captured); a write of a row
    /// with a change in the outbox after `capturedThrough` is deferred.
    /// `at` is the table's clock (the edit time a broken capture records).
    public mutating func apply(_ writes: [ExternalWrite], capturedThrough: Int64, at time: Int64) -> [WriteOutcome] {
        var outcomes: [WriteOutcome] = []
        let uncaptured = Set(outbox.filter { $0.sequence > capturedThrough }.map(\.key))
        for write in writes {
            switch write {
            case .insert(let record, let key, let columns):
                if let refusal = refusal(columns) {
                    refusedWrites += 1
                    outcomes.append(.failed(refusal))
                    continue
                }
                let newKey = key ?? String(nextKey)
                if key == nil { nextKey += 1 }
                var full = rows[newKey] ?? emptyRow
                for (column, value) in columns where schema.columns[column] != nil { full[column] = value }
                let old = rows[newKey]
                rows[newKey] = full
                setMapping(newKey, record)
                wrote(newKey)
                if capturesOwnWrites {
                    self.record(old == nil ? .insert : .update, key: newKey, old: old, new: full, at: time, origin: .adapter)
                }
                outcomes.append(.written(key: newKey, lastValues: nil))
            case .update(let record, let key, let columns):
                if uncaptured.contains(key) {
                    outcomes.append(.deferred)
                    continue
                }
                if let refusal = refusal(columns) {
                    refusedWrites += 1
                    outcomes.append(.failed(refusal))
                    continue
                }
                let old = rows[key]
                var new = old ?? emptyRow
                for (column, value) in columns where schema.columns[column] != nil { new[column] = value }
                rows[key] = new
                if old == nil { setMapping(key, record) }
                wrote(key)
                if capturesOwnWrites, new != old {
                    self.record(old == nil ? .insert : .update, key: key, old: old, new: new, at: time, origin: .adapter)
                }
                outcomes.append(.written(key: key, lastValues: nil))
            case .delete(_, let key):
                if uncaptured.contains(key) {
                    outcomes.append(.deferred)
                    continue
                }
                let old = rows.removeValue(forKey: key)
                keys[key] = nil
                wrote(key)
                if capturesOwnWrites, let old {
                    self.record(.delete, key: key, old: old, new: nil, at: time, origin: .adapter)
                }
                outcomes.append(.written(key: key, lastValues: old))
            }
        }
        return outcomes
    }

    // MARK: Comparing tables

    /// The rows with keys and column names replaced by canonical fields, as
    /// a sorted list (comparable across systems): each row is its fields'
    /// values in mapping order (NULL for a column the row lacks), and a set
    /// field is its sorted elements joined by commas.
    public var canonicalRows: [[Value]] {
        rows.values.map(canonical).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// One row in canonical form (see `canonicalRows`).
    public func canonical(_ row: [String: ExternalValue]) -> [Value] {
        mapping.fields.map { binding in
            guard let type = fullSchema.columns[binding.column], let value = row[binding.column] else { return .null }
            if binding.isSet {
                let elements = (try? ValueConversion.elements(value, column: binding.column, type: type)) ?? []
                return .string(elements.map(\.description).sorted().joined(separator: ","))
            }
            return (try? ValueConversion.value(value, column: binding.column, type: type)) ?? .null
        }
    }

    // MARK: Private

    private var emptyRow: [String: ExternalValue] {
        var row: [String: ExternalValue] = [:]
        for binding in mapping.fields where schema.columns[binding.column] != nil { row[binding.column] = .null }
        return row
    }

    private mutating func setMapping(_ key: String, _ record: String) {
        for (other, mapped) in keys where mapped == record && other != key && rows[other] == nil { keys[other] = nil }
        keys[key] = record
        everMapped[key] = record
    }

    private mutating func wrote(_ key: String) {
        writesByKey[key, default: 0] += 1
        adapterWrites += 1
    }

    private func refusal(_ columns: [String: ExternalValue]) -> String? {
        for (column, value) in columns where !accepts(value, column: column) {
            return "value too long for column \(column) (at most \(maxTextLength ?? 0) characters)"
        }
        return nil
    }

    private mutating func record(
        _ kind: CapturedChange.Kind, key: String, old: [String: ExternalValue]?, new: [String: ExternalValue]?, at time: Int64,
        origin: Origin
    ) {
        sequence += 1
        outbox.append(CapturedChange(sequence: sequence, kind: kind, key: key, old: old, new: new, editedAtMillis: time))
        origins[sequence] = origin
        if origin == .adapter { echoesRecorded += 1 }
    }
}
