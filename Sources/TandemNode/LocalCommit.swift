public import TandemCore

/// One committed local change (a batch this node signed), with every record
/// it changed before and after: what `SyncNodeConfiguration.localCommits`
/// receives, and what cross-record rules evaluate.
///
/// Guarantees: reported once per batch, after the batch is durable, on the
/// node's event loop, in commit order; only records whose winning values,
/// sets or existence changed are listed.
public struct LocalCommit: Sendable {
    /// One record: nil before for a record the change created, nil after for
    /// one it deleted.
    public struct Change: Sendable, Equatable {
        public var id: String
        public var before: RecordView?
        public var after: RecordView?
    }

    /// The batch holding the change (its collection, origin and sequence).
    public var batch: DeltaBatch
    public var changes: [Change]
    /// The rules whose writes the batch holds
    /// (`SyncNode.write(collection:records:firedBy:audit:)`); empty for any
    /// other change.
    public var firedBy: [String]

    public var collection: String { batch.collection }

    /// The records of `ids` (normalised) that differ between `before` and `after`.
    static func changes(of ids: [String], from before: RecordCollection, to after: RecordCollection) -> [Change] {
        var seen: Set<String> = []
        var result: [Change] = []
        for id in ids.map(Identifier.normalized) where seen.insert(id).inserted {
            let old = before.record(id), new = after.record(id)
            if old?.fields != new?.fields || old?.sets != new?.sets || (old == nil) != (new == nil) {
                result.append(Change(id: id, before: old, after: new))
            }
        }
        return result
    }
}
