/// An independent reference model of what every node's CRDT state must
/// hold once converged, computed from the external edits the harness made
/// and when it made them (docs/simulation.md, "The reference model"). It
/// uses none of Tandem's CRDT types or rules: only the semantics
/// docs/semantics.md states, applied to edits.
///
/// The rules (docs/semantics.md, "Edit times (adapters)" and "Every
/// concurrent case"): a field holds the write with the latest edit time
/// (ties: the greater node id, unless the later capture saw the other
/// write, which it then replaces: so an equal time decides nothing here);
/// a delete removes only what its node had seen, and never a field written
/// later than it (a delete older than the record's latest edit loses);
/// a set keeps an element added anywhere unless a remove saw that add.
///
/// What the harness cannot know it does not guess. An edit's time is
/// stamped by its database inside the harness's transaction, so it lies in
/// the window the harness measured around it, widened by
/// `clockMarginMillis` (SQLite truncates, PostgreSQL rounds); one edit is
/// *surely later* than another only when their widened windows do not
/// overlap. What a deleting or removing node had seen depends on the
/// network, so a delete makes a field or record *possibly* gone, never
/// surely; a set element is required only when nothing ever removed it.
/// A write the capture may have taken as no change (a NULL where the node
/// held nothing, a value equal to the one the node held, the match key of
/// a record that had lost it to a delete) is *weak*: it may be the value,
/// but it supersedes nothing for sure. Each field gets the set of outcomes
/// the rules allow; a field with one outcome is determined exactly.
public struct ReferenceModel: Sendable {
    /// How far an edit's stamped time may lie outside the measured window.
    public static let clockMarginMillis: Int64 = 2

    /// What one field may hold.
    public struct FieldExpectation: Sendable {
        /// Each value the field may hold (nil: no value, or NULL), with the
        /// edits that wrote it.
        public var allowed: [String?: [AppliedEdit]]

        /// Whether the model determines the field exactly.
        public var isDetermined: Bool { allowed.count == 1 }
    }

    /// What one record (by match key) may hold.
    public struct RecordExpectation: Sendable {
        public var key: String
        /// False when a delete may have removed it.
        public var mustExist: Bool
        public var fields: [String: FieldExpectation]
        /// Elements the set field must hold (if the record exists).
        public var requiredTags: Set<String>
        /// Elements it may hold: those some edit added.
        public var possibleTags: Set<String>
    }

    public var records: [String: RecordExpectation]

    public init(edits: [AppliedEdit]) {
        var records: [String: RecordExpectation] = [:]
        for (key, history) in Dictionary(grouping: edits, by: \.key) {
            records[key] = Self.expectation(key: key, history: history)
        }
        self.records = records
    }

    /// Whether `a`'s edit time is surely greater than `b`'s: rows imported
    /// at first attach carry the earliest time, every other edit its
    /// stamped time within its widened window.
    public static func surelyLater(_ a: AppliedEdit, than b: AppliedEdit) -> Bool {
        if a.initial { return false }
        if b.initial { return true }
        return a.startMillis - clockMarginMillis > b.endMillis + clockMarginMillis
    }

    /// Whether `edit`'s write of `field` may have been taken as no change.
    static func isWeak(_ edit: AppliedEdit, field: String, history: [AppliedEdit]) -> Bool {
        guard let value = edit.written[field] ?? nil else { return true }
        if field == "email" && history.contains(where: \.deleted) { return true }
        return history.contains { other in other != edit && (other.written[field] ?? nil) == value }
    }

    static func expectation(key: String, history: [AppliedEdit]) -> RecordExpectation {
        let deletes = history.filter(\.deleted)
        // A strong write made surely after every delete survives them all.
        func survives(_ edit: AppliedEdit, _ field: String) -> Bool {
            !isWeak(edit, field: field, history: history) && deletes.allSatisfy { surelyLater(edit, than: $0) }
        }
        var fields: [String: FieldExpectation] = [:]
        var anySurvivor = false
        for field in NodeSchema.registerFields {
            let writes = history.filter { $0.written.keys.contains(field) }
            var allowed: [String?: [AppliedEdit]] = [:]
            let survivors = writes.filter { survives($0, field) }
            anySurvivor = anySurvivor || !survivors.isEmpty
            for write in writes where !survivors.contains(where: { $0 != write && surelyLater($0, than: write) }) {
                allowed[write.written[field] ?? nil, default: []].append(write)
            }
            if writes.isEmpty || (survivors.isEmpty && !deletes.isEmpty) {
                if allowed[nil] == nil { allowed[nil] = [] }
            }
            fields[field] = FieldExpectation(allowed: allowed)
        }
        let added = Set(history.flatMap(\.tagsAdded))
        let removed = Set(history.flatMap(\.tagsRemoved))
        return RecordExpectation(
            key: key, mustExist: deletes.isEmpty || anySurvivor, fields: fields,
            requiredTags: deletes.isEmpty ? added.subtracting(removed) : [], possibleTags: added)
    }
}
