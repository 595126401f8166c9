/// A write to a field its owner did not sign.
public struct FieldOwnershipViolation: Hashable, Sendable, CustomStringConvertible {
    public var collection: String
    public var record: String
    public var field: String
    public var owner: NodeID
    public var writer: NodeID

    public var description: String {
        "field \(field) of record \(record.debugDescription) in \(collection) is owned by \(owner); written by \(writer)"
    }
}

/// Field ownership (pure): a field owned by one node may only be written by
/// it. A delta's new writes are the entries under its writer's dots (a
/// batch's payload holds no others: the decoder refuses entries under
/// another node's dots), so the signature says who wrote each one.
public enum FieldOwnership {
    /// The first write in `delta`, made by `writer`, to a field of
    /// `collection` that `owners` gives to another node; nil if none.
    ///
    /// - Complexity: O(fields written in `delta`) when `owners` is not
    ///   empty; O(1) when it is.
    public static func violation(
        in delta: RecordCollection, collection: String, writer: NodeID, owners: [String: NodeID]?
    ) -> FieldOwnershipViolation? {
        guard let owners, !owners.isEmpty else { return nil }
        for (id, record) in delta.records {
            for (name, register) in record.fields {
                guard let owner = owners[name], owner != writer else { continue }
                if register.entries.contains(where: { $0.dot.node == writer }) {
                    return FieldOwnershipViolation(collection: collection, record: id, field: name, owner: owner, writer: writer)
                }
            }
            for (name, elements) in record.sets.entries {
                guard let owner = owners[name], owner != writer else { continue }
                if elements.entries.values.contains(where: { $0.elements.contains { $0.node == writer } }) {
                    return FieldOwnershipViolation(collection: collection, record: id, field: name, owner: owner, writer: writer)
                }
            }
        }
        return nil
    }
}
