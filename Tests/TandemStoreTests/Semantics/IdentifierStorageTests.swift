import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// Record ids, field names, set elements and collection names come back
/// exactly as the core holds them: any non-empty string the core accepts,
/// ordered by UTF-8 bytes.
@Suite(.ownThread) struct IdentifierStorageTests {
    /// Ids that differ only after a NUL, non-ASCII ids whose UTF-8 order
    /// differs from their UTF-16 order, and the longest id allowed.
    static let ids = ["r", "r\u{0}x", "r\u{0}y", "\u{FFFD}", "\u{1F600}", "\u{3A9}", String(repeating: "z", count: 512)]
    static let fields = ["a", "a\u{0}b", "\u{1F600}"]

    @Test(arguments: StoreBackend.allCases)
    func identifiersRoundTripExactly(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var reference: [String: RecordCollection] = [:]
            var tick: UInt64 = 0
            for collection in ["c", "c\u{0}d"] {
                for id in Self.ids {
                    for field in Self.fields {
                        tick += 1
                        let timestamp = stamp(tick)
                        let batch = try store.commitChange(collection, records: [id], clock: timestamp) { working in
                            var delta = try working.set(field, to: .string("\(collection)|\(id)|\(field)"), in: id, by: Nodes.local, at: timestamp)
                            delta.join(try working.add(.string(field), toSet: field, in: id, by: Nodes.local))
                            return delta
                        }
                        reference[collection, default: RecordCollection()].join(try batch.delta())
                    }
                }
            }
            try expectState(of: store, equals: reference, probing: Self.ids + ["r\u{0}"])
            #expect(try store.collections() == ["c", "c\u{0}d"])
            #expect(try store.log().map(\.collection).filter { $0 == "c\u{0}d" }.count == Self.ids.count * Self.fields.count)

            // Mappings and cursors keyed by such strings, too.
            try store.commitChange(
                "c", records: ["r"], clock: stamp(tick + 1),
                cursor: AdapterCursorUpdate(adapter: "crm\u{0}2", cursor: [2]),
                keyMappings: [
                    ExternalKeyMapping(adapter: "crm", collection: "c", externalKey: "k\u{0}1", record: "r\u{0}x"),
                    ExternalKeyMapping(adapter: "crm", collection: "c", externalKey: "k", record: "r"),
                ]
            ) { working in working.delete("r") }
            #expect(try store.adapterCursor("crm\u{0}2") == [2])
            #expect(try store.adapterCursor("crm") == nil)
            #expect(try store.recordID(adapter: "crm", collection: "c", externalKey: "k\u{0}1") == "r\u{0}x")
            #expect(try store.recordID(adapter: "crm", collection: "c", externalKey: "k") == "r")
        }
    }

    /// Overwriting a field removes the old write's row, whatever the id
    /// holds: the row is deleted by the id's exact bytes, not by its prefix
    /// up to a NUL.
    @Test(arguments: StoreBackend.allCases)
    func overwritesReplaceTheOldWriteExactly(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var reference = RecordCollection()
            for tick in UInt64(1)...3 {
                for id in Self.ids {
                    let timestamp = stamp(tick)
                    let batch = try store.commitChange("c", records: [id], clock: timestamp) { working in
                        try working.set("a\u{0}b", to: .string("v\(tick)"), in: id, by: Nodes.local, at: timestamp)
                    }
                    reference.join(try batch.delta())
                }
            }
            try expectState(of: store, equals: ["c": reference], probing: Self.ids)
            for id in Self.ids {
                #expect(try store.record("c", id)?.fields["a\u{0}b"]?.entries.count == 1)
            }
        }
    }

    /// Ids are held in Unicode normal form C (the core normalises them) and
    /// looked up in it, so any spelling finds the record: the SQLite store,
    /// which compares ids by bytes, used to find nothing for "e\u{301}".
    @Test(arguments: StoreBackend.allCases)
    func anyCanonicallyEquivalentSpellingFindsTheRecord(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let timestamp = stamp(1)
            try store.commitChange("c", records: ["e\u{301}"], clock: timestamp) { working in
                try working.set("n", to: .int(1), in: "e\u{301}", by: Nodes.local, at: timestamp)
            }
            for spelling in ["\u{E9}", "e\u{301}"] {
                #expect(try store.record("c", spelling)?.fields["n"]?.value == .int(1))
                #expect(try store.workingSet("c", records: [spelling]).recordIDs.map { Array($0.utf8) } == [[0xC3, 0xA9]])
            }
        }
    }
}
