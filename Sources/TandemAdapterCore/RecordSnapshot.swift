public import TandemCore

/// What the adapter core needs to know of one record's CRDT state: each
/// field's winning value and when it was written, and each set field's
/// elements.
public struct RecordSnapshot: Hashable, Sendable {
    /// A field's winning write.
    public struct Field: Hashable, Sendable {
        public var value: Value
        /// Milliseconds since the Unix epoch (the write's hybrid timestamp's
        /// physical part): the edit time for writes captured by adapters.
        public var editedAtMillis: Int64
        public var writer: NodeID

        public init(value: Value, editedAtMillis: Int64, writer: NodeID) {
            self.value = value
            self.editedAtMillis = editedAtMillis
            self.writer = writer
        }
    }

    public var id: String
    public var fields: [String: Field]
    public var sets: [String: [Value]]

    public init(id: String, fields: [String: Field] = [:], sets: [String: [Value]] = [:]) {
        self.id = id
        self.fields = fields
        self.sets = sets
    }

    /// The snapshot of a stored record (nil for a record that does not exist).
    public init?(id: String, store: RecordStore) {
        guard !store.isEmpty else { return nil }
        self.id = id
        var fields: [String: Field] = [:]
        for (name, register) in store.fields {
            guard let winner = register.winner else { continue }
            fields[name] = Field(
                value: winner.value, editedAtMillis: Int64(clamping: winner.timestamp.physical), writer: winner.dot.node)
        }
        self.fields = fields
        self.sets = store.sets.entries.mapValues { $0.sortedKeys }
    }

    /// The latest edit time of any field (0 for a record with none).
    public var latestEditMillis: Int64 { fields.values.map(\.editedAtMillis).max() ?? 0 }
}
