import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// What each peer has acknowledged.
@Suite(.ownThread) struct AcknowledgementTests {
    @Test(arguments: StoreBackend.allCases)
    func acknowledgementsAccumulatePerPeer(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try store.acknowledged(by: Nodes.p) == BatchVector())

            var first = BatchVector()
            first.insert(origin: Nodes.local, sequence: 1)
            first.insert(origin: Nodes.local, sequence: 2)
            first.insert(origin: Nodes.b, sequence: 4)
            try store.setAcknowledged(first, by: Nodes.p)
            #expect(try store.acknowledged(by: Nodes.p) == first)

            // Acknowledgements only grow: a later, smaller vector adds to them.
            var second = BatchVector()
            second.insert(origin: Nodes.local, sequence: 3)
            second.insert(origin: Nodes.c, sequence: 1)
            try store.setAcknowledged(second, by: Nodes.p)
            var union = first
            union.formUnion(second)
            #expect(try store.acknowledged(by: Nodes.p) == union)

            // Each peer has its own.
            #expect(try store.acknowledged(by: Nodes.q) == BatchVector())
            try store.setAcknowledged(second, by: Nodes.q)
            #expect(try store.acknowledged(by: Nodes.q) == second)
            #expect(try store.acknowledged(by: Nodes.p) == union)
        }
    }
}
