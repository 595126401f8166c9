public import TandemCore

/// Which way a field flows between the CRDT and one external system.
public enum FieldDirection: String, Hashable, Sendable, CaseIterable {
    /// Captured edits reach the CRDT and CRDT changes reach the table.
    case both
    /// External to CRDT only: the adapter never writes this column.
    case `in`
    /// CRDT to external only: edits of this column are not captured.
    case out

    var captures: Bool { self != .out }
    var writes: Bool { self != .in }
}

/// One canonical field bound to one external column.
public struct FieldBinding: Hashable, Sendable {
    /// The canonical field name in the CRDT (normal form C).
    public var field: String
    /// The external column.
    public var column: String
    public var direction: FieldDirection
    /// Whether the field is an add-wins set (else last-writer-wins).
    public var isSet: Bool

    public init(field: String, column: String, direction: FieldDirection = .both, isSet: Bool = false) {
        self.field = Identifier.normalized(field)
        self.column = column
        self.direction = direction
        self.isSet = isSet
    }
}

/// How rows of different systems are recognised as the same record.
///
/// A row's record id is derived from its match key (`"email:ada@example.com"`),
/// so the same customer created on two systems, even during a partition,
/// becomes one record. Rows whose keys are both empty are not synced and are
/// reported; so are two rows of one table with the same key.
public struct MatchRule: Hashable, Sendable {
    /// The canonical field whose value identifies the record.
    public var field: String
    /// Used where `field` is empty.
    public var fallbackField: String?
    /// Compare after trimming white space at both ends (default).
    public var trims: Bool
    /// Compare after folding case (default).
    public var foldsCase: Bool

    public init(field: String, fallbackField: String? = nil, trims: Bool = true, foldsCase: Bool = true) {
        self.field = Identifier.normalized(field)
        self.fallbackField = fallbackField.map(Identifier.normalized)
        self.trims = trims
        self.foldsCase = foldsCase
    }
}

/// When a capture's deletes are held for an operator's approval.
///
/// Deletes are held when the pending deletes reach `minimumRows` and exceed
/// `share` of the table (counting the rows they would delete): what an API
/// outage, a truncated import or a wrong WHERE clause looks like. While a
/// hold is open every further delete of the adapter joins it.
public struct MassDeletePolicy: Hashable, Sendable {
    public var share: Double
    public var minimumRows: Int

    public init(share: Double = 0.2, minimumRows: Int = 10) {
        self.share = share
        self.minimumRows = minimumRows
    }

    /// Whether `pendingDeletes` deletes out of a table that holds
    /// `remainingRows` rows besides them should be held.
    public func holds(pendingDeletes: Int, remainingRows: Int) -> Bool {
        guard pendingDeletes >= max(minimumRows, 1) else { return false }
        let before = Double(pendingDeletes + max(remainingRows, 0))
        return Double(pendingDeletes) > share * before
    }
}

/// Everything the adapter core knows about one adapter: which table, which
/// columns carry which fields, how rows match, who owns what.
public struct AdapterMapping: Hashable, Sendable {
    /// The adapter's name, unique on the node (it names the cursor and the
    /// derived record ids of tables without a match key).
    public var name: String
    /// The CRDT collection the table syncs with.
    public var collection: String
    /// The external table.
    public var table: String
    /// The table's primary key column.
    public var keyColumn: String
    /// The mapped fields; every other column is left alone.
    public var fields: [FieldBinding]
    /// How rows become records; nil derives the record id from the
    /// adapter's name and the row's primary key (no cross-system matching).
    public var match: MatchRule?
    /// Fields only one node may write, by canonical name.
    public var owners: [String: NodeID]
    public var massDeletes: MassDeletePolicy

    public init(
        name: String, collection: String, table: String, keyColumn: String, fields: [FieldBinding],
        match: MatchRule? = nil, owners: [String: NodeID] = [:], massDeletes: MassDeletePolicy = MassDeletePolicy()
    ) {
        self.name = name
        self.collection = collection
        self.table = table
        self.keyColumn = keyColumn
        self.fields = fields
        self.match = match
        self.owners = Dictionary(owners.map { (Identifier.normalized($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.massDeletes = massDeletes
    }

    /// The binding of `column`, if mapped.
    public func binding(column: String) -> FieldBinding? { fields.first { $0.column == column } }

    /// The binding of canonical `field`, if mapped.
    public func binding(field: String) -> FieldBinding? { fields.first { $0.field == field } }

    /// The mapped columns, in mapping order.
    public var columns: [String] { fields.map(\.column) }

    /// Whether `node` may write `field`.
    public func mayWrite(_ field: String, node: NodeID) -> Bool {
        guard let owner = owners[field] else { return true }
        return owner == node
    }
}
