import TandemCore
import TandemStore
import TandemSync
import Testing
import TandemTestSupport

/// Entries that arrive by digest reconciliation obey the same clock rules as
/// batches: within the drift bound they are joined and advance the clock
/// (durably), beyond it they wait, beyond the horizon they are refused.
@Suite(.ownThread) struct ReconciledClockTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)

    /// B's signed records chunk holding one write by B stamped `aheadMillis` ahead.
    func chunk(in network: TestNetwork, aheadMillis: UInt64) throws -> [UInt8] {
        var state = RecordCollection()
        try state.set("name", to: .string("ahead"), in: "r1", by: b,
                      at: HLCTimestamp(rawValue: (network.now + aheadMillis) << 16))
        var chunk = RecordsChunk(collection: "customers", leaves: 0...65_535, payload: state.encoded(), isReply: true)
        chunk.signature = TestSignature.sign(chunk.signingBytes, by: b)
        return SyncMessage.records(chunk).encoded()
    }

    @Test(arguments: Backend.allCases)
    func recordsWithinTheBoundAdvanceTheClockDurably(backend: Backend) throws {
        let directory = try TemporaryDirectory("sync-tests")
        defer { directory.remove() }
        var network = try TestNetwork(nodes: [a, b], sqliteDirectory: backend == .sqlite ? directory.path : nil)
        network.connect(a, b)
        network.settle()
        let bytes = try chunk(in: network, aheadMillis: 300)
        network.drivers[a]?.receive(bytes, from: b, now: network.now)
        #expect(try network.state(a).value(of: "name", in: "r1") == .string("ahead"))
        let state = try network.state(a)
        let newest = try #require(state.records["r1"]?.fields.first?.register.entries.first?.timestamp)
        // The next local write is stamped after it, and a restart keeps that.
        var machine = try #require(network.drivers[a]?.machine)
        #expect(machine.tick(now: network.now) > newest)
        #expect(try #require(try network.stores[a]?.summary().clock) >= newest)
    }

    @Test func recordsBeyondTheBoundWaitAndBeyondTheHorizonAreRefused() throws {
        var network = try TestNetwork(nodes: [a, b])
        network.connect(a, b)
        network.settle()
        let clockBefore = try #require(network.drivers[a]?.machine.clock.latest)
        let later = try chunk(in: network, aheadMillis: 60_000)
        network.drivers[a]?.receive(later, from: b, now: network.now)
        #expect(try network.state(a).records.isEmpty)
        #expect(network.drivers[a]?.machine.clock.latest == clockBefore)
        #expect(network.drivers[a]?.machine.counters.rejected.isEmpty == true)
        #expect(network.drivers[a]?.shell.events.contains {
            if case .recordsDeferredForClockSkew = $0 { true } else { false }
        } == true)

        let tenYears: UInt64 = 10 * 365 * 24 * 3_600 * 1_000
        let farAhead = try chunk(in: network, aheadMillis: tenYears)
        network.drivers[a]?.receive(farAhead, from: b, now: network.now)
        #expect(network.drivers[a]?.machine.counters.rejected == ["records_beyond_horizon": 1])
        #expect(try network.state(a).records.isEmpty)
        #expect(network.drivers[a]?.machine.clock.latest == clockBefore)

        // Once local time has caught up, the same chunk is joined.
        network.now += 60_000
        let caughtUp = try chunk(in: network, aheadMillis: 0)
        network.drivers[a]?.receive(caughtUp, from: b, now: network.now)
        #expect(try network.state(a).value(of: "name", in: "r1") == .string("ahead"))
    }
}
