import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// A batch whose delta changes nothing is still a batch: numbered, logged,
/// audited; and it makes no collection appear.
@Suite(.ownThread) struct EmptyDeltaTests {
    @Test(arguments: StoreBackend.allCases)
    func anEmptyDeltaIsLoggedButHoldsNothing(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            // Deleting a record that does not exist: an empty delta.
            let local = try store.commitChange("ghosts", records: ["r1"], clock: stamp(1)) { working in working.delete("r1") }
            #expect(local.sequence == 1)
            #expect(try local.delta() == RecordCollection())
            #expect(try store.commitPeer(Nodes.b, 1, RecordCollection(), collection: "phantoms", clock: stamp(2)).report
                == ApplyReport())
            #expect(try store.log().map(\.collection) == ["ghosts", "phantoms"])
            #expect(try store.allAudit().map(\.event.kind) == [.localCommit, .remoteApply])
            #expect(try store.collections().isEmpty)
            #expect(try store.workingSet("ghosts", records: ["r1"]) == RecordCollection())
        }
    }
}
