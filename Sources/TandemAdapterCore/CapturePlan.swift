public import TandemCore

/// What a batch of captured changes does to the CRDT, decided by
/// `CapturePlanner` (pure) and applied to the node's working set in the
/// commit that also advances the adapter's cursor.
public struct CapturePlan: Hashable, Sendable {
    /// A field write with the edit time it carries.
    public struct FieldWrite: Hashable, Sendable {
        public var field: String
        public var value: Value
        public var editedAtMillis: Int64

        public init(field: String, value: Value, editedAtMillis: Int64) {
            self.field = field
            self.value = value
            self.editedAtMillis = editedAtMillis
        }
    }

    /// The writes to one record.
    public struct RecordWrite: Hashable, Sendable {
        public var record: String
        /// The row the writes came from.
        public var key: String
        /// Whether the record did not exist (its presence is written too).
        public var creates: Bool
        public var fields: [FieldWrite] = []
        public var adds: [(field: String, element: Value)] = []
        public var removes: [(field: String, element: Value)] = []

        public static func == (lhs: RecordWrite, rhs: RecordWrite) -> Bool {
            lhs.record == rhs.record && lhs.key == rhs.key && lhs.creates == rhs.creates && lhs.fields == rhs.fields
                && lhs.adds.elementsEqual(rhs.adds, by: ==) && lhs.removes.elementsEqual(rhs.removes, by: ==)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(record)
            hasher.combine(fields)
        }
    }

    /// A captured edit older than the value the CRDT holds: not applied,
    /// kept in the audit log (restorable), and the row is set back.
    public struct LostEdit: Hashable, Sendable {
        public var record: String
        public var key: String
        /// The field, or nil for a delete that lost to a later edit.
        public var field: String?
        public var value: Value?
        public var editedAtMillis: Int64
        public var winner: Value?
        public var winnerEditedAtMillis: Int64
    }

    /// A captured delete to commit.
    public struct Delete: Hashable, Sendable {
        public var record: String
        public var key: String
        public var sequence: Int64
        public var editedAtMillis: Int64
    }

    /// One step of the plan, applied in order.
    public enum Step: Hashable, Sendable {
        case write(RecordWrite)
        case delete(Delete)
    }

    /// The writes and deletes, in the order the changes were made.
    public var steps: [Step] = []
    /// Outbox sequences of deletes held for approval (`MassDeletePolicy`).
    public var held: [Int64] = []
    public var lost: [LostEdit] = []
    /// Values the CRDT held that captured edits replaced without having
    /// seen them (the row showed another value when it was edited, or the
    /// row was new): concurrent edits, resolved by edit time. `winner` is the
    /// captured value; the replaced value is kept here (restorable).
    public var overwritten: [LostEdit] = []
    public var issues: [CaptureIssue] = []
    /// Records whose row must be rewritten from the CRDT (an edit lost or
    /// was refused, a delete lost).
    public var repairs: Set<String> = []
    /// Changes that changed nothing (the CRDT already held their values:
    /// echoes of the adapter's own writes, repeated values).
    public var unchanged: Int = 0

    public init() {}

    /// The record writes, in order.
    public var writes: [RecordWrite] {
        steps.compactMap { if case .write(let write) = $0 { write } else { nil } }
    }

    /// The deletes, in order.
    public var deletes: [Delete] {
        steps.compactMap { if case .delete(let delete) = $0 { delete } else { nil } }
    }

    /// The records the plan touches.
    public var records: [String] {
        var seen: Set<String> = []
        return steps.map { step in
            switch step {
            case .write(let write): write.record
            case .delete(let delete): delete.record
            }
        }.filter { seen.insert($0).inserted }
    }

    /// Applies the plan to `working` as `node`, whose clock reads `now`:
    /// edit times later than `now` are clamped to it, so a system whose
    /// clock runs ahead cannot write into the future. Returns the delta.
    public func apply(
        to working: inout RecordCollection, by node: NodeID, now: HLCTimestamp, limits: Limits = .default
    ) throws(CoreError) -> RecordCollection {
        var delta = RecordCollection()
        for step in steps {
            guard case .write(let write) = step else {
                if case .delete(let delete) = step { delta.join(working.delete(delete.record)) }
                continue
            }
            if write.creates && !working.contains(write.record) {
                delta.join(try working.insert(write.record, by: node, limits: limits))
            }
            // One update per edit time, in the order the edits were made.
            var byTime: [(Int64, [(String, Value)])] = []
            for field in write.fields {
                if let index = byTime.firstIndex(where: { $0.0 == field.editedAtMillis }) {
                    byTime[index].1.append((field.field, field.value))
                } else {
                    byTime.append((field.editedAtMillis, [(field.field, field.value)]))
                }
            }
            for (editedAt, fields) in byTime.sorted(by: { $0.0 < $1.0 }) {
                let physical = min(UInt64(clamping: max(editedAt, 0)), now.physical)
                let stamp = physical == now.physical ? now : try HLCTimestamp(physical: physical, logical: 0)
                delta.join(try working.update(write.record, fields: fields, by: node, at: stamp, limits: limits))
            }
            for (field, element) in write.removes {
                delta.join(working.remove(element, fromSet: field, in: write.record))
            }
            for (field, element) in write.adds {
                delta.join(try working.add(element, toSet: field, in: write.record, by: node, limits: limits))
            }
        }
        return delta
    }
}
