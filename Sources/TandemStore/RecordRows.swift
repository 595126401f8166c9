package import TandemCore

/// The row-level access a backend gives `DeltaApplier`, inside one
/// transaction. Implemented by the SQLite and in-memory stores; a server
/// backend implements the same five operations.
package protocol RecordRows {
    /// The causal context of `collection` (empty if it has none yet).
    mutating func context(of collection: String) throws(StoreError) -> CausalContext
    /// Stores the entries of `context` for `nodes` (the ones that changed).
    mutating func saveContext(_ context: CausalContext, nodes: some Sequence<NodeID>, of collection: String) throws(StoreError)
    /// The stored records among `ids`.
    mutating func records(_ ids: Set<String>, in collection: String) throws(StoreError) -> [String: RecordStore]
    /// Ids of records holding a dot of `node` whose counter is in `range`.
    mutating func recordIDs(holdingDotsOf node: NodeID, in range: ClosedRange<UInt64>, collection: String) throws(StoreError) -> Set<String>
    /// Replaces a record's stored entries: `before` is what was stored
    /// (nil if nothing), `after` what must be (nil to remove the record).
    mutating func writeRecord(_ id: String, from before: RecordStore?, to after: RecordStore?, in collection: String) throws(StoreError)
    /// Writes whatever `writeRecord` calls left buffered (a server backend
    /// sends them as a few multi-row statements instead of one round trip
    /// per row). `DeltaApplier` calls it after its writes, before it returns;
    /// until then the buffered rows are not in the tables.
    mutating func flushWrites() throws(StoreError)
}

extension RecordRows {
    /// Nothing buffered: the embedded backends write at once.
    package mutating func flushWrites() throws(StoreError) {}
}
