import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// The summary's clock is the highest clock any commit carried, so a
/// restarted node never reissues a timestamp.
@Suite(.ownThread) struct ClockTests {
    @Test(arguments: StoreBackend.allCases)
    func theSummaryClockIsTheMaximumCommitted(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try store.summary().clock == .zero)
            try store.commitChange(records: ["r1"], clock: stamp(100, 3)) { working in
                try working.set("name", to: .int(1), in: "r1", by: Nodes.local, at: stamp(100, 3))
            }
            #expect(try store.summary().clock == stamp(100, 3))
            var b = RecordCollection()
            try store.commitPeer(Nodes.b, 1, try b.set("name", to: .int(2), in: "r2", by: Nodes.b, at: stamp(50)), clock: stamp(50))
            #expect(try store.summary().clock == stamp(100, 3), "an older clock does not move it back")
            try store.commitPeer(Nodes.b, 2, try b.set("name", to: .int(3), in: "r2", by: Nodes.b, at: stamp(300)), clock: stamp(300))
            #expect(try store.summary().clock == stamp(300))
            try store.commitChange(records: ["r1"], clock: stamp(200)) { working in
                try working.set("name", to: .int(4), in: "r1", by: Nodes.local, at: stamp(200))
            }
            #expect(try store.summary().clock == stamp(300))
            // A duplicate carries no clock forward.
            try store.commitPeer(Nodes.b, 2, RecordCollection(), clock: stamp(900))
            #expect(try store.summary().clock == stamp(300))
        }
    }
}
