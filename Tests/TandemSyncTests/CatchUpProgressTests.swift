import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// A node taking in a state source's records reports how far it has come
/// (records, bytes, rate, time left), and a catch-up interrupted by a
/// restart resumes where it stopped instead of starting over.
@Suite(.ownThread) struct CatchUpProgressTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)
    let records = 900

    /// A holds `records` records of about 1 KB with its log compacted, so B
    /// (new) catches up by reconciliation, over several budgeted rounds.
    func network() throws -> TestNetwork {
        var network = try TestNetwork(nodes: [a, b], configuration: Self.configuration)
        let value = String(repeating: "x", count: 1_000)
        for index in 0..<records {
            try network.write(a, record: "r\(index)", field: "notes", value: .string("\(index) \(value)"))
        }
        try network.compactEverything(a)
        return network
    }

    static func configuration(_ trusted: Set<NodeID>) -> SyncConfiguration {
        var configuration = SyncConfiguration(trustedOrigins: trusted)
        configuration.stateSources = trusted
        configuration.replyBudget = ReplyBudget(burstBytes: 256 << 10, bytesPerSecond: 128 << 10, maxBytesPerRequest: 128 << 10)
        return configuration
    }

    /// Runs rounds until `stop` says so, counting the bytes of records
    /// chunks `sender` (A by default) sent.
    func run(
        _ network: inout TestNetwork, recordBytes: inout Int, sentBy sender: NodeID? = nil,
        until stop: (TestNetwork) throws -> Bool
    ) throws {
        var rounds = 0
        while try !stop(network), rounds < 500 {
            while let link = network.busyLinks.first {
                if link.from == (sender ?? a), let bytes = network.links[link]?.first, case .records = try SyncMessage(decoding: bytes) {
                    recordBytes += bytes.count
                }
                network.deliver(link)
            }
            network.advance(1_001)
            rounds += 1
        }
    }

    func reports(_ network: TestNetwork) -> [CatchUpProgress] {
        network.drivers[b]?.shell.events.compactMap { if case .catchingUp(let progress) = $0 { progress } else { nil } } ?? []
    }

    func joined(_ network: TestNetwork) throws -> Int {
        try network.stores[b]?.records("customers", after: nil, limit: .max).count ?? 0
    }

    @Test("a new node's catch-up reports records, bytes, rate and time left, and ends finished")
    func progressIsReported() throws {
        var network = try network()
        network.connect(a, b)
        var recordBytes = 0
        try run(&network, recordBytes: &recordBytes) { try $0.state(b) == $0.state(a) && reports($0).last?.finished == true }
        let seen = reports(network)
        let first = try #require(seen.first)
        #expect(first.expectedRecords == UInt64(records))
        #expect(first.receivedRecords == 0 && first.secondsLeft == nil)
        // Records and bytes only grow; the estimate of what is left only falls.
        for (earlier, later) in zip(seen, seen.dropFirst()) {
            #expect(later.receivedRecords >= earlier.receivedRecords)
            #expect(later.receivedBytes >= earlier.receivedBytes)
        }
        let middle = try #require(seen.first { $0.receivedRecords > 0 && !$0.finished })
        #expect(middle.recordsPerSecond.map { $0 > 0 } == true)
        #expect(middle.secondsLeft.map { $0 > 0 } == true)
        #expect(middle.line.contains("records/s") && middle.line.contains("s left"), "\(middle.line)")
        let last = try #require(seen.last)
        #expect(last.finished && last.remainingRecords == 0 && last.secondsLeft == 0)
        #expect(last.receivedRecords == UInt64(records))
        #expect(last.receivedBytes == UInt64(recordBytes))
        #expect(last.elapsedSeconds > 1, "the budget spread it over rounds")
        #expect(last.line.contains("\(records) of \(records) records (100%)") && last.line.contains("done in"), "\(last.line)")
        // Once caught up, the next digests start nothing new.
        network.advance(31_000)
        network.settle()
        #expect(reports(network).count == seen.count)
    }

    @Test("a catch-up interrupted by a restart resumes where it stopped: what came before is not sent again")
    func interruptedCatchUpResumes() throws {
        var whole = try network()
        whole.connect(a, b)
        var wholeBytes = 0
        try run(&whole, recordBytes: &wholeBytes) { try $0.state(b) == $0.state(a) }

        var network = try network()
        network.connect(a, b)
        var recordBytes = 0
        try run(&network, recordBytes: &recordBytes) { try joined($0) >= records / 3 }
        let before = try joined(network)
        #expect(before > 0 && before < records)
        // B stops (what was in flight is lost) and starts again from its store.
        network.disconnect(a, b)
        let store = try #require(network.stores[b])
        try network.add(b, trusted: [a, b], store: store, configuration: Self.configuration)
        network.connect(a, b)
        try run(&network, recordBytes: &recordBytes) { try $0.state(b) == $0.state(a) && reports($0).last?.finished == true }
        #expect(try network.state(b) == network.state(a))
        let resumed = try #require(reports(network).first)
        #expect(resumed.expectedRecords == UInt64(records - before), "the new catch-up expects only what is missing")
        #expect(reports(network).last?.receivedRecords == UInt64(records - before))
        // Leaves travel whole, so resuming sends no record twice.
        #expect(Double(recordBytes) <= Double(wholeBytes) * 1.02, "interrupted \(recordBytes) bytes against \(wholeBytes) whole")
    }

    @Test("a new node does not send the snapshot back: it answers no chunk of leaves it held nothing in")
    func snapshotIsNotEchoed() throws {
        var network = try network()
        network.connect(a, b)
        var echoed = 0
        try run(&network, recordBytes: &echoed, sentBy: b) { try $0.state(b) == $0.state(a) }
        #expect(try network.state(b) == network.state(a))
        #expect(echoed == 0, "B sent \(echoed) bytes of records back")

        // A node that held records of its own in those leaves still answers
        // with them, so the source gets what it lacks.
        var other = try self.network()
        try other.write(b, record: "only-on-b", field: "notes", value: .string("B's"))
        try other.compactEverything(b)  // so it can only travel as records
        other.connect(a, b)
        var answered = 0
        try run(&other, recordBytes: &answered, sentBy: b) { try $0.state(a).records["only-on-b"] != nil && $0.state(b) == $0.state(a) }
        #expect(answered > 0)
        #expect(try other.state(a).records["only-on-b"] != nil)
        #expect(try other.state(b) == other.state(a))
    }
}

