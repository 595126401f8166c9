import TandemCore
import TandemStore
import TandemSync
import Testing

/// The broadcast tree through real drivers and stores, without sockets: on
/// a ring of four nodes, once the first timer rounds have linked each node
/// to its parent (towards the smallest id within two hops), writes travel
/// that tree and arrive once everywhere, from whichever node they start,
/// the first one included. When a tree link fails, writes still reach
/// every node (announced, then fetched).
@Suite struct BroadcastTreeTests {
    let nodes = (1...4).map { TestNetwork.node(UInt64($0)) }

    /// A ring of the four nodes, after `rounds` timer rounds a summary
    /// interval apart (the first ones choose the tree parents).
    func ring(rounds: Int = 3) throws -> TestNetwork {
        var network = try TestNetwork(nodes: nodes)
        for index in nodes.indices { network.connect(nodes[index], nodes[(index + 1) % nodes.count]) }
        network.settle()
        for _ in 0..<rounds {
            network.advance(SyncConfiguration(trustedOrigins: []).summaryIntervalMillis)
            network.settle()
        }
        return network
    }

    /// Duplicate receptions reported by every node's driver so far.
    func duplicates(_ network: TestNetwork) -> Int {
        nodes.reduce(0) { total, node in
            total + (network.drivers[node]?.shell.events.filter { if case .duplicate = $0 { true } else { false } }.count ?? 0)
        }
    }

    func held(_ network: TestNetwork) throws -> [BatchVector] {
        try nodes.map { try network.stores[$0]?.summary().batches ?? BatchVector() }
    }

    /// Each node's held vector after six timer rounds (announcements and
    /// fetches carry what the tree did not).
    func heldAfterTimerRounds(_ network: inout TestNetwork) throws -> [BatchVector] {
        for _ in 0..<6 {
            network.advance(1_000)
            network.settle()
        }
        return try held(network)
    }

    @Test func onceTheTreeIsChosenWritesFromAnyNodeArriveOnceEverywhere() throws {
        var network = try ring()
        for round in 0...3 {
            for (index, node) in nodes.enumerated() {
                try network.write(node, record: "r\(round)-\(index)", field: "name", value: .string("n\(index)"))
                network.settle()
                let vectors = try held(network)
                #expect(vectors.allSatisfy { $0 == vectors[0] }, "pushed over the tree alone, no timer: round \(round), node \(index)")
            }
        }
        #expect(duplicates(network) == 0, "a ring has a cycle, the tree none")
        let vectors = try held(network)
        #expect(vectors[0].rangeCount == 4)
        #expect(vectors[0].nextSequence(for: nodes[1]) == 5)
    }

    @Test func beforeTheFirstTimerRoundAWriteTravelsByAnnouncementAndFetch() throws {
        var network = try ring(rounds: 0)
        try network.write(nodes[2], record: "early", field: "name", value: .string("x"))
        network.settle()
        let vectors = try heldAfterTimerRounds(&network)
        #expect(vectors.allSatisfy { $0 == vectors[0] }, "\(vectors)")
        #expect(vectors[0].nextSequence(for: nodes[2]) == 2)
    }

    @Test func whenATreeLinkFailsWritesStillReachEveryNode() throws {
        var network = try ring()
        try network.write(nodes[0], record: "r0", field: "name", value: .string("first"))
        network.settle()
        // Cut every link one node has: what it writes meanwhile stays with
        // it; the rest of the ring goes on through the lazy link.
        network.disconnect(nodes[0], nodes[1])
        for index in 1..<nodes.count {
            try network.write(nodes[index], record: "cut-\(index)", field: "name", value: .string("n\(index)"))
            network.settle()
        }
        // Announcements and fetches (timers) carry writes over lazy links.
        let vectors = try heldAfterTimerRounds(&network)
        #expect(vectors.allSatisfy { $0 == vectors[0] }, "\(vectors)")
        #expect(vectors[0].nextSequence(for: nodes[3]) == 2)
    }
}
