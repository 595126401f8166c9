import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// The sync protocol without sockets: the real machine, driver and
/// in-memory store, with every order in which the FIFO links could deliver
/// a small scenario's messages.
@Suite(.ownThread) struct InterleavingTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)
    let c = TestNetwork.node(3)

    /// Explores every delivery order of the messages in flight (depth-first,
    /// by replaying the choices from a fresh network), up to `limit` orders,
    /// and checks `check` at the end of each.
    func exploreAllInterleavings(
        limit: Int, setUp: () throws -> TestNetwork, check: (TestNetwork, [Int]) throws -> Void
    ) throws -> Int {
        var explored = 0
        var stack: [[Int]] = [[]]
        while let prefix = stack.popLast(), explored < limit {
            var network = try setUp()
            for choice in prefix { network.deliver(network.busyLinks[choice]) }
            let options = network.busyLinks.count
            if options == 0 {
                try check(network, prefix)
                explored += 1
            } else {
                for choice in (0..<options).reversed() { stack.append(prefix + [choice]) }
            }
        }
        return explored
    }

    @Test func twoNodesWithConcurrentWritesConvergeInEveryOrder() throws {
        let explored = try exploreAllInterleavings(limit: 5_000, setUp: {
            var network = try TestNetwork(nodes: [a, b])
            try network.write(a, record: "r1", field: "phone", value: .string("A"))
            try network.write(b, record: "r1", field: "phone", value: .string("B"))
            try network.write(b, record: "r2", field: "name", value: .string("Bee"))
            network.connect(a, b)
            return network
        }, check: { network, order in
            let stateA = try network.state(a)
            #expect(stateA == (try network.state(b)), "order \(order)")
            #expect(stateA.record("r1")?.conflicts["phone"]?.count == 1, "order \(order)")
            #expect(stateA.value(of: "name", in: "r2") == .string("Bee"))
        })
        #expect(explored > 1)
        print("\(#function): \(explored) delivery orders")
    }

    @Test func threeNodesInALineRelayWritesBothWaysInEveryOrder() throws {
        let explored = try exploreAllInterleavings(limit: 20_000, setUp: {
            var network = try TestNetwork(nodes: [a, b, c])
            network.connect(a, b)
            network.connect(b, c)
            try network.write(a, record: "r1", field: "name", value: .string("from A"))
            try network.write(c, record: "r2", field: "name", value: .string("from C"))
            try network.write(c, record: "r1", field: "email", value: .string("c@example.com"))
            return network
        }, check: { network, order in
            let stateA = try network.state(a)
            #expect(stateA == (try network.state(b)), "order \(order)")
            #expect(stateA == (try network.state(c)), "order \(order)")
            #expect(stateA.value(of: "name", in: "r1") == .string("from A"))
            #expect(stateA.value(of: "name", in: "r2") == .string("from C"))
            #expect(stateA.value(of: "email", in: "r1") == .string("c@example.com"))
            // A's batch reached C through B with A's signature intact, and no
            // node received any batch twice.
            for node in [a, b, c] {
                let duplicates = network.drivers[node]?.machine.counters.duplicateBatches ?? -1
                #expect(duplicates == 0, "node \(node) got duplicates in order \(order)")
            }
        })
        #expect(explored > 1)
        print("\(#function): \(explored) delivery orders")
    }

    @Test func deleteConcurrentWithUpdateKeepsTheUpdateInEveryOrder() throws {
        let explored = try exploreAllInterleavings(limit: 5_000, setUp: {
            var network = try TestNetwork(nodes: [a, b])
            network.connect(a, b)
            try network.write(a, record: "r1", field: "name", value: .string("Ann"))
            try network.write(a, record: "r1", field: "plan", value: .string("basic"))
            network.settle()
            try network.delete(a, record: "r1")
            try network.write(b, record: "r1", field: "plan", value: .string("pro"))
            return network
        }, check: { network, order in
            let stateA = try network.state(a)
            #expect(stateA == (try network.state(b)), "order \(order)")
            #expect(stateA.record("r1")?.fields == ["plan": .string("pro")], "order \(order)")
        })
        #expect(explored > 1)
        print("\(#function): \(explored) delivery orders")
    }
}
