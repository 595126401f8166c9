import TandemCore
import TandemTestSupport
import Testing

/// The sync machine on its own (no driver, store or socket): what it keeps
/// of a peer's summary. A summary is the peer's word, unsigned: only the
/// trusted origins' batches are kept, within a range budget, and only those
/// this node holds too are persisted.
@Suite(.ownThread) struct SyncMachineSummaryTests {
    let me = Fixture.a
    let peer = Fixture.b
    let origin = Fixture.c

    func machine(held: BatchVector, maxSummaryRanges: Int = 16_384) -> SyncMachine {
        var configuration = SyncConfiguration(trustedOrigins: [me, peer, origin])
        configuration.maxSummaryRanges = maxSummaryRanges
        return SyncMachine(
            node: me, configuration: configuration, held: held, compacted: BatchVector(),
            clock: HybridLogicalClock(), verify: { _ in true })
    }

    func persisted(_ actions: [SyncAction]) -> [BatchVector] {
        actions.compactMap { if case .persistAcknowledged(let vector, _) = $0 { vector } else { nil } }
    }

    @Test func aSummaryNamingInventedOriginsKeepsOnlyTrustedBatchesHeldHere() {
        var held = BatchVector()
        for sequence: UInt64 in 1...10 { held.insert(origin: origin, sequence: sequence) }
        var machine = machine(held: held)
        _ = machine.handle(.peerConnected(peer), now: 1_000)

        var claimed = CausalContext()
        for index in 0..<25_000 { claimed.insert(node: NodeID(words: UInt64(index) + 1, 7, 7, 7), 1...1_000_000) }
        claimed.insert(node: origin, 1...(1 << 60))
        let actions = machine.handle(
            .received(.summary(held: BatchVector(held: claimed), compacted: BatchVector(), neighbors: []), from: peer),
            now: 1_001)
        #expect(persisted(actions) == [held])
        // In memory, only the trusted origin's claim is kept (one range).
        #expect(machine.knownHeld(by: peer)?.held.nodes.keys.sorted() == [origin])
        #expect(machine.knownHeld(by: peer)?.rangeCount == 1)
        #expect(!actions.contains { if case .reject = $0 { true } else { false } })
    }

    @Test func aSummaryTooFragmentedOnceReducedIsRefusedAndNotStored() {
        var held = BatchVector()
        var context = CausalContext()
        context.insert(node: origin, 1...16_000)
        var machine = machine(held: BatchVector(held: context), maxSummaryRanges: 1_000)
        _ = machine.handle(.peerConnected(peer), now: 1_000)
        for sequence in stride(from: UInt64(1), through: 16_000, by: 2) { held.insert(origin: origin, sequence: sequence) }
        let actions = machine.handle(
            .received(.summary(held: held, compacted: BatchVector(), neighbors: []), from: peer), now: 1_001)
        #expect(persisted(actions).isEmpty)
        #expect(actions.contains {
            if case .reject(.oversizedSummary(ranges: 8_000, limit: 1_000), from: peer) = $0 { true } else { false }
        })
        #expect(machine.knownHeld(by: peer) == BatchVector())
    }
}
