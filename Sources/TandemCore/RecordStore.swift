/// The dot store of one record: its presence, its last-writer-wins fields and
/// its add-wins set fields.
///
/// A record exists while it holds any dot at all. Presence dots make a record
/// with no fields exist; field and set dots keep a record alive too, which is
/// what gives "reset-remove" deletes (as in Riak's map): a delete clears the
/// dots the deleter saw, and a field written concurrently keeps its dot and so
/// keeps the record, with that field.
public struct RecordStore: DotStore {
    /// Dots of "this record exists" writes.
    public internal(set) var presence: DotSet
    /// Last-writer-wins fields by name.
    public internal(set) var fields: FieldMap
    /// Add-wins set fields by name.
    public internal(set) var sets: DotMap<String, DotMap<Value, DotSet>>

    public init() {
        presence = DotSet()
        fields = FieldMap()
        sets = DotMap()
    }

    public init(presence: DotSet, fields: FieldMap, sets: DotMap<String, DotMap<Value, DotSet>>) {
        self.presence = presence
        self.fields = fields
        self.sets = sets
    }

    @inlinable
    public var isEmpty: Bool { presence.isEmpty && fields.isEmpty && sets.isEmpty }

    public func forEachDot(_ body: (Dot) -> Void) {
        presence.forEachDot(body)
        fields.forEachDot(body)
        sets.forEachDot(body)
    }

    public mutating func join(_ other: RecordStore, selfContext: CausalContext, otherContext: CausalContext) {
        presence.join(other.presence, selfContext: selfContext, otherContext: otherContext)
        fields.join(other.fields, selfContext: selfContext, otherContext: otherContext)
        sets.join(other.sets, selfContext: selfContext, otherContext: otherContext)
    }
}

/// A read-only view of one live record: the winning value of each field, the
/// elements of each set field, and the losing concurrent writes.
public struct RecordView: Equatable, Sendable {
    /// The record id.
    public var id: String
    /// The winning value of every field.
    public var fields: [String: Value]
    /// The elements of every set field, sorted.
    public var sets: [String: [Value]]
    /// For fields with concurrent writes, the writes that lost.
    public var conflicts: [String: [RegisterEntry]]

    init(id: String, store: RecordStore) {
        self.id = id
        var fields: [String: Value] = [:]
        var conflicts: [String: [RegisterEntry]] = [:]
        for (name, register) in store.fields {
            if let value = register.value { fields[name] = value }
            let losers = register.conflicts
            if !losers.isEmpty { conflicts[name] = losers }
        }
        self.fields = fields
        self.sets = store.sets.entries.mapValues { $0.sortedKeys }
        self.conflicts = conflicts
    }
}
