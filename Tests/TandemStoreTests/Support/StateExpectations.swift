import Testing
import TandemCore
import TandemStore

/// Checks that every read of `store` agrees with `reference`, collection by
/// collection: each record through `record(_:_:)`, the listing through
/// `records(_:after:limit:)` (whole and in pages), the working set, and the
/// causal context.
func expectState(
    of store: any ReplicaStore, equals reference: [String: RecordCollection],
    probing ids: [String] = RandomChanges.recordIDs + ["absent"], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    for (collection, expected) in reference {
        let listed = try store.records(collection, after: nil, limit: .max)
        let expectedIDs = expected.records.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(listed.map(\.id) == expectedIDs, "listing of \(collection)", sourceLocation: sourceLocation)
        var paged: [String] = []
        var after: String?
        while true {
            let page = try store.records(collection, after: after, limit: 2)
            guard let last = page.last else { break }
            paged += page.map(\.id)
            after = last.id
        }
        #expect(paged == expectedIDs, "paged listing of \(collection)", sourceLocation: sourceLocation)
        for (id, record) in listed {
            #expect(record == expected.records[id], "record \(collection)/\(id) as listed", sourceLocation: sourceLocation)
        }
        for id in Set(ids).union(expected.records.keys) {
            #expect(try store.record(collection, id) == expected.records[id], "record \(collection)/\(id)", sourceLocation: sourceLocation)
        }
        let working = try store.workingSet(collection, records: ids)
        #expect(working.records == expected.records.filter { ids.contains($0.key) }, "working set of \(collection)", sourceLocation: sourceLocation)
        #expect(working.context == expected.context, "context of \(collection)", sourceLocation: sourceLocation)
    }
}
