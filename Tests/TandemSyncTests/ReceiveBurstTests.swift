import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// Messages that arrive together from one peer are handled together: the
/// batches they carry are committed in one transaction.
@Suite(.ownThread) struct ReceiveBurstTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)

    @Test("the batches of several messages received together share one transaction")
    func burstSharesOneTransaction() throws {
        var network = try TestNetwork(nodes: [a, b])
        let first = try #require(try network.write(a, record: "r1", field: "name", value: .string("Ann")))
        let second = try #require(try network.write(a, record: "r2", field: "name", value: .string("Bo")))
        network.connect(a, b)
        network.links = [:]  // delivered by hand below
        let messages = [SyncMessage.batches([first]).encoded(), SyncMessage.batches([second]).encoded()]
        let store = try #require(network.stores[b] as? InMemoryStore)

        // One failed commit fails both: they were one transaction.
        store.failNextCommit()
        network.drivers[b]?.receive(messages, from: a, now: network.now)
        #expect(try store.summary().batches == BatchVector())
        #expect(network.drivers[b]?.machine.counters.failedCommits == 2)

        // Neither is held, so the same messages apply both, in one commit.
        network.drivers[b]?.receive(messages, from: a, now: network.now)
        #expect(try store.summary().batches.nextSequence(for: a) == 3)
        #expect(try network.state(b).value(of: "name", in: "r2") == .string("Bo"))
        #expect(network.drivers[b]?.machine.counters.appliedBatches == 2)
    }

    @Test("a malformed message in a burst is refused alone; the others are applied")
    func malformedMessageInABurst() throws {
        var network = try TestNetwork(nodes: [a, b])
        let batch = try #require(try network.write(a, record: "r1", field: "name", value: .string("Ann")))
        network.connect(a, b)
        network.links = [:]
        network.drivers[b]?.receive([[0x54, 0x4E, 0x44, 0x4D, 0xFF], SyncMessage.batches([batch]).encoded()], from: a, now: network.now)
        #expect(network.drivers[b]?.machine.counters.rejected == ["malformed_message": 1])
        #expect(try network.state(b).value(of: "name", in: "r1") == .string("Ann"))
    }
}
