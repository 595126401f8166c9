public import TandemCore

/// One field write of a `setFields` operation.
public struct FieldWrite: Hashable, Sendable {
    public var name: String
    public var value: Value
}

/// One local change a node's user makes: what the workload asks of a node.
/// Each becomes one `SyncDriver.write` (one batch) when it changes anything,
/// alone or grouped with others of its collection (see `PlanAction.write`).
public enum WorkloadOp: Hashable, Sendable, CustomStringConvertible {
    /// Writes fields of a record (creating it if needed).
    case setFields(collection: String, record: String, fields: [FieldWrite])
    /// Makes a record exist.
    case insert(collection: String, record: String)
    /// Deletes a record as the node sees it.
    case delete(collection: String, record: String)
    /// Adds an element to a set field.
    case addElement(collection: String, record: String, set: String, element: Value)
    /// Removes an element from a set field as the node sees it.
    case removeElement(collection: String, record: String, set: String, element: Value)

    public var collection: String {
        switch self {
        case .setFields(let collection, _, _), .insert(let collection, _), .delete(let collection, _),
             .addElement(let collection, _, _, _), .removeElement(let collection, _, _, _):
            collection
        }
    }

    public var record: String {
        switch self {
        case .setFields(_, let record, _), .insert(_, let record), .delete(_, let record),
             .addElement(_, let record, _, _), .removeElement(_, let record, _, _):
            record
        }
    }

    public var description: String {
        switch self {
        case .setFields(let collection, let record, let fields):
            let list = fields.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
            return "set \(collection)/\(record) {\(list)}"
        case .insert(let collection, let record):
            return "insert \(collection)/\(record)"
        case .delete(let collection, let record):
            return "delete \(collection)/\(record)"
        case .addElement(let collection, let record, let set, let element):
            return "add \(element) to \(collection)/\(record).\(set)"
        case .removeElement(let collection, let record, let set, let element):
            return "remove \(element) from \(collection)/\(record).\(set)"
        }
    }

    /// The operations of one write: the operation itself, or a group as
    /// `group of N [first; second; ...]`.
    public static func describe(_ ops: [WorkloadOp]) -> String {
        if ops.count == 1, let only = ops.first { return only.description }
        return "group of \(ops.count) [" + ops.map(\.description).joined(separator: "; ") + "]"
    }

    /// Runs the operation's delta mutator on a node's working set.
    func apply(to working: inout RecordCollection, by node: NodeID, at timestamp: HLCTimestamp) throws -> RecordCollection {
        switch self {
        case .setFields(_, let record, let fields):
            return try working.update(record, fields: fields.map { ($0.name, $0.value) }, by: node, at: timestamp)
        case .insert(_, let record):
            return try working.insert(record, by: node)
        case .delete(_, let record):
            return working.delete(record)
        case .addElement(_, let record, let set, let element):
            return try working.add(element, toSet: set, in: record, by: node)
        case .removeElement(_, let record, let set, let element):
            return working.remove(element, fromSet: set, in: record)
        }
    }
}
