import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// An adapter's capture cursor and external-key mappings commit with the
/// local change they belong to.
@Suite(.ownThread) struct AdapterStateTests {
    @Test(arguments: StoreBackend.allCases)
    func cursorAndKeyMappingsCommitWithTheChange(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try store.adapterCursor("crm") == nil)
            #expect(try store.recordID(adapter: "crm", collection: "people", externalKey: "42") == nil)

            try store.commitChange(
                records: ["r1"], clock: stamp(1),
                cursor: AdapterCursorUpdate(adapter: "crm", cursor: [0, 0, 0, 7]),
                keyMappings: [
                    ExternalKeyMapping(adapter: "crm", collection: "people", externalKey: "42", record: "r1"),
                    ExternalKeyMapping(adapter: "crm", collection: "people", externalKey: "43", record: "r2"),
                ]
            ) { working in
                try working.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1))
            }
            #expect(try store.adapterCursor("crm") == [0, 0, 0, 7])
            #expect(try store.recordID(adapter: "crm", collection: "people", externalKey: "42") == "r1")
            #expect(try store.recordID(adapter: "crm", collection: "people", externalKey: "43") == "r2")
            // Mappings are per adapter and collection.
            #expect(try store.recordID(adapter: "helpdesk", collection: "people", externalKey: "42") == nil)
            #expect(try store.recordID(adapter: "crm", collection: "deals", externalKey: "42") == nil)
            #expect(try store.adapterCursor("helpdesk") == nil)

            // A later change moves the cursor; one without a cursor leaves it.
            try store.commitChange(
                records: ["r1"], clock: stamp(2), cursor: AdapterCursorUpdate(adapter: "crm", cursor: [0, 0, 0, 9])
            ) { working in
                try working.set("name", to: .string("Anna"), in: "r1", by: Nodes.local, at: stamp(2))
            }
            try store.commitChange(
                records: ["r1"], clock: stamp(3), cursor: AdapterCursorUpdate(adapter: "helpdesk", cursor: [1])
            ) { working in
                try working.set("email", to: .string("a@x"), in: "r1", by: Nodes.local, at: stamp(3))
            }
            try store.commitChange(records: ["r1"], clock: stamp(4)) { working in
                try working.set("email", to: .string("ann@x"), in: "r1", by: Nodes.local, at: stamp(4))
            }
            #expect(try store.adapterCursor("crm") == [0, 0, 0, 9])
            #expect(try store.adapterCursor("helpdesk") == [1])
            #expect(try store.recordID(adapter: "crm", collection: "people", externalKey: "42") == "r1")
        }
    }
}
