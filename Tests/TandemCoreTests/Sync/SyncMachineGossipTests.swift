import TandemCore
import Testing

/// The broadcast tree and delta summaries of the sync machine on its own
/// (no driver, store or socket): which link a batch is pushed on, which
/// link a node makes eager first, when a duplicate prunes a link, when an
/// announced batch is fetched and from whom, and what a summary carries.
@Suite struct SyncMachineGossipTests {
    let me = Fixture.a
    let left = Fixture.b
    let right = Fixture.c
    let now: UInt64 = 1_700_000_000_000
    let interval: UInt64 = 1_000
    let resend: UInt64 = 5_000

    func machine(held: BatchVector = BatchVector()) -> SyncMachine {
        let configuration = SyncConfiguration(
            trustedOrigins: [me, left, right], summaryIntervalMillis: interval, resendAfterMillis: resend)
        // Not started: its first timer round runs whenever the test fires
        // it, without the start's phase (`theFirstTimerComesAfterAPhaseTakenFromTheNodeID`).
        return SyncMachine(
            node: me, configuration: configuration, held: held, compacted: BatchVector(),
            clock: HybridLogicalClock(), verify: { _ in true })
    }

    /// Makes the link to `peer` eager from both ends, as when the peer
    /// chose this node as its first eager link.
    func graftedBy(_ peer: NodeID, _ machine: inout SyncMachine, at time: UInt64) {
        _ = machine.handle(.received(.graft(wanted: BatchVector()), from: peer), now: time)
    }

    /// Batch `sequence` of `origin`: one field write, dated now.
    func batch(_ origin: NodeID, _ sequence: UInt64) throws -> DeltaBatch {
        var state = RecordCollection()
        let delta = try state.set(
            "n", to: .int(Int64(sequence)), in: "r\(sequence)", by: origin, at: HLCTimestamp(physical: now, logical: 0))
        return DeltaBatch(origin: origin, sequence: sequence, collection: "c", payload: delta.encoded())
    }

    func vector(_ dots: [(NodeID, UInt64)]) -> BatchVector {
        var vector = BatchVector()
        for (origin, sequence) in dots { vector.insert(origin: origin, sequence: sequence) }
        return vector
    }

    /// The messages among `actions`, with their receivers.
    func sent(_ actions: [SyncAction]) -> [(SyncMessage, NodeID)] {
        actions.compactMap { if case .send(let message, let peer) = $0 { (message, peer) } else { nil } }
    }

    func summaries(_ actions: [SyncAction], to peer: NodeID) -> [SummaryDelta] {
        sent(actions).compactMap { if case .summaryDelta(let delta) = $0.0, $0.1 == peer { delta } else { nil } }
    }

    /// Grafts asking for batches (not the empty ones that only make a link eager).
    func grafts(_ actions: [SyncAction]) -> [(BatchVector, NodeID)] {
        sent(actions).compactMap { if case .graft(let wanted) = $0.0, !wanted.held.isEmpty { (wanted, $0.1) } else { nil } }
    }

    func pushedBatches(_ actions: [SyncAction]) -> [NodeID] {
        sent(actions).compactMap { if case .batches = $0.0 { $0.1 } else { nil } }
    }

    /// Receives `batch` from `peer` and reports it committed, as the driver does.
    func deliver(_ batch: DeltaBatch, from peer: NodeID, to machine: inout SyncMachine, at time: UInt64) -> [SyncAction] {
        var actions = machine.handle(.received(.batches([batch]), from: peer), now: time)
        for case .apply(let applied, _, let source) in actions {
            actions += machine.handle(.batchCommitted(applied, from: source, applied: true), now: time)
        }
        return actions
    }

    @Test func aBatchPushedTwiceByDifferentPeersPrunesTheSecondLinkWhichThenOnlyGetsAnnouncements() throws {
        var machine = machine()
        _ = machine.handle(.peerConnected(left), now: now)
        _ = machine.handle(.peerConnected(right), now: now)
        graftedBy(left, &machine, at: now)
        graftedBy(right, &machine, at: now)
        let first = try batch(right, 1)
        _ = deliver(first, from: left, to: &machine, at: now + 1)
        let again = machine.handle(.received(.batches([first]), from: right), now: now + 2)
        #expect(again.contains { if case .dropDuplicate(_, right, true) = $0 { true } else { false } })
        #expect(sent(again).map(\.1) == [right])
        #expect(sent(again).allSatisfy { if case .prune = $0.0 { true } else { false } })
        #expect(machine.counters.prunesSent == 1)

        // The next local batch is pushed on the eager link only; the lazy
        // one hears of it in the next summary.
        let local = try batch(me, 1)
        let pushed = machine.handle(.localBatchCommitted(local), now: now + 3)
        #expect(pushedBatches(pushed) == [left])
        let round = machine.handle(.timerFired, now: now + interval)
        #expect(summaries(round, to: right).contains { $0.added.contains(origin: me, sequence: 1) })
    }

    @Test func aMessageTheNetworkRepeatsDoesNotPrune() throws {
        var machine = machine()
        _ = machine.handle(.peerConnected(left), now: now)
        graftedBy(left, &machine, at: now)
        let first = try batch(right, 1)
        _ = deliver(first, from: left, to: &machine, at: now + 1)
        let again = machine.handle(.received(.batches([first]), from: left), now: now + 2)
        #expect(again.contains { if case .dropDuplicate = $0 { true } else { false } })
        #expect(sent(again).isEmpty)
        #expect(machine.counters.prunesSent == 0)
    }

    @Test func aPruneStopsPushesAndAGraftSendsTheBatchesAskedForAndRestoresThem() throws {
        var machine = machine()
        _ = machine.handle(.peerConnected(left), now: now)
        _ = machine.handle(.peerConnected(right), now: now)
        graftedBy(left, &machine, at: now)
        graftedBy(right, &machine, at: now)
        _ = machine.handle(.received(.prune, from: left), now: now + 1)
        let one = try batch(me, 1)
        #expect(pushedBatches(machine.handle(.localBatchCommitted(one), now: now + 2)) == [right])

        let answer = machine.handle(.received(.graft(wanted: vector([(me, 1), (right, 7)])), from: left), now: now + 3)
        let fromLog = answer.compactMap { if case .sendFromLog(let ids, let peer, _) = $0 { (ids, peer) } else { nil } }
        // Only what this node holds goes; the rest it cannot send.
        #expect(fromLog.map(\.0) == [[Dot(node: me, counter: 1)]])
        #expect(fromLog.map(\.1) == [left])
        #expect(machine.counters.graftsReceived == 3)

        let two = try batch(me, 2)
        #expect(pushedBatches(machine.handle(.localBatchCommitted(two), now: now + 4)) == [left, right])
    }

    /// A machine of `node` (not started), trusting the three fixtures.
    func machine(of node: NodeID) -> SyncMachine {
        SyncMachine(
            node: node,
            configuration: SyncConfiguration(trustedOrigins: [me, left, right], summaryIntervalMillis: interval, resendAfterMillis: resend),
            held: BatchVector(), compacted: BatchVector(), clock: HybridLogicalClock(), verify: { _ in true })
    }

    /// The empty grafts (tree parent choices) among `actions`, by receiver.
    func parentChoices(_ actions: [SyncAction]) -> [NodeID] {
        sent(actions).compactMap { if case .graft(let wanted) = $0.0, wanted.held.isEmpty { $0.1 } else { nil } }
    }

    @Test func linksStartLazyAndTheFirstTimerRoundMakesTheLinkTowardsTheSmallestIDEager() throws {
        // me < left < right. `left` with both as peers: `me` is the parent.
        var machine = machine(of: left)
        _ = machine.handle(.peerConnected(me), now: now)
        _ = machine.handle(.peerConnected(right), now: now)
        #expect(pushedBatches(machine.handle(.localBatchCommitted(try batch(left, 1)), now: now + 1)).isEmpty)
        #expect(parentChoices(machine.handle(.timerFired, now: now + interval)) == [me])
        #expect(pushedBatches(machine.handle(.localBatchCommitted(try batch(left, 2)), now: now + interval + 1)) == [me])
        // The choice stands until the peers change: no second graft.
        #expect(parentChoices(machine.handle(.timerFired, now: now + 2 * interval)).isEmpty)
        // The parent gone, `left` is the smallest id it sees: it has none,
        // and the remaining link stays lazy.
        _ = machine.handle(.peerDisconnected(me), now: now + 2 * interval + 1)
        #expect(parentChoices(machine.handle(.timerFired, now: now + 3 * interval)).isEmpty)
        #expect(pushedBatches(machine.handle(.localBatchCommitted(try batch(left, 3)), now: now + 3 * interval + 1)) == [right],
                "its only peer: pushed whatever the link")
    }

    @Test func theParentLeadsTowardsTheSmallestIDTwoHopsAwayAndTheSmallestNodeHasNone() throws {
        // `right` sees only `left`, which reports `me` as its neighbour.
        var far = machine(of: right)
        _ = far.handle(.peerConnected(left), now: now)
        _ = far.handle(.received(.summaryDelta(SummaryDelta(number: 1, acknowledging: 0, neighbors: [me, right])), from: left), now: now)
        #expect(parentChoices(far.handle(.timerFired, now: now + interval)) == [left])

        // `me` is the smallest within its two hops: it chooses nobody, and
        // its links stay lazy until a peer chooses it or it fetches.
        var root = machine(of: me)
        _ = root.handle(.peerConnected(left), now: now)
        _ = root.handle(.peerConnected(right), now: now)
        #expect(parentChoices(root.handle(.timerFired, now: now + interval)).isEmpty)
        graftedBy(right, &root, at: now + interval + 1)
        #expect(pushedBatches(root.handle(.localBatchCommitted(try batch(me, 1)), now: now + interval + 2)) == [right])
    }

    @Test func aNewParentIsGraftedAndTheOldLinkStaysUntilADuplicatePrunesIt() throws {
        var machine = machine(of: right)
        _ = machine.handle(.peerConnected(left), now: now)
        #expect(parentChoices(machine.handle(.timerFired, now: now + interval)) == [left])
        // A smaller peer connects: it becomes the parent; nothing is pruned.
        _ = machine.handle(.peerConnected(me), now: now + interval + 1)
        let round = sent(machine.handle(.timerFired, now: now + 2 * interval))
        #expect(!round.contains { if case .prune = $0.0 { true } else { false } })
        #expect(parentChoices(round.map { .send($0.0, to: $0.1) }) == [me])
        #expect(pushedBatches(machine.handle(.localBatchCommitted(try batch(right, 1)), now: now + 2 * interval + 1)) == [me, left])
    }

    @Test func aNodeWithOnePeerPushesToItBeforeAnyLinkIsEager() throws {
        var machine = machine()
        _ = machine.handle(.peerConnected(left), now: now)
        #expect(pushedBatches(machine.handle(.localBatchCommitted(try batch(me, 1)), now: now + 1)) == [left])
    }

    @Test func theFirstTimerComesAfterAPhaseTakenFromTheNodeID() {
        func firstTimer(_ node: NodeID) -> UInt64? {
            var machine = SyncMachine(
                node: node, configuration: SyncConfiguration(trustedOrigins: [node], summaryIntervalMillis: interval),
                held: BatchVector(), compacted: BatchVector(), clock: HybridLogicalClock(), verify: { _ in true })
            return machine.start(now: now).compactMap { if case .scheduleTimer(let after) = $0 { after } else { nil } }.first
        }
        let timers = [Fixture.a, Fixture.b, Fixture.c].compactMap(firstTimer)
        #expect(timers.count == 3)
        #expect(timers.allSatisfy { $0 >= interval && $0 < 2 * interval })
        #expect(timers == [Fixture.a, Fixture.b, Fixture.c].map { interval + OriginPrefixes.prefix(of: $0) % interval })
    }

    @Test func anAnnouncedBatchThatDoesNotComeIsFetchedFromOneHolderThenFromAnotherIfUnanswered() throws {
        var machine = machine()
        _ = machine.handle(.peerConnected(left), now: now)
        _ = machine.handle(.peerConnected(right), now: now)
        let announcement = SummaryDelta(number: 1, acknowledging: 0, added: vector([(right, 1)]))
        _ = machine.handle(.received(.summaryDelta(announcement), from: left), now: now + 10)
        _ = machine.handle(.received(.summaryDelta(announcement), from: right), now: now + 10)

        // The tree gets a summary interval to bring it.
        #expect(grafts(machine.handle(.timerFired, now: now + interval)).isEmpty)
        let asked = grafts(machine.handle(.timerFired, now: now + 10 + interval))
        #expect(asked.map(\.1) == [left])
        #expect(asked.first?.0 == vector([(right, 1)]))
        #expect(machine.counters.graftsSent == 1)

        // Not answered within the resend period: asked of the other holder, once.
        #expect(grafts(machine.handle(.timerFired, now: now + 10 + interval + resend - 1)).isEmpty)
        let again = grafts(machine.handle(.timerFired, now: now + 10 + interval + resend))
        #expect(again.map(\.1) == [right])
    }

    @Test func anAnnouncedBatchThatArrivesInTimeIsNotFetched() throws {
        var machine = machine()
        _ = machine.handle(.peerConnected(left), now: now)
        _ = machine.handle(.received(.summaryDelta(SummaryDelta(number: 1, acknowledging: 0, added: vector([(right, 1)]))),
                                     from: left), now: now + 10)
        _ = deliver(try batch(right, 1), from: left, to: &machine, at: now + 20)
        #expect(grafts(machine.handle(.timerFired, now: now + 10 + interval)).isEmpty)
        #expect(grafts(machine.handle(.timerFired, now: now + 10 + 2 * interval + resend)).isEmpty)
    }

    @Test func summariesCarryOnlyWhatChangedSinceTheLastAcknowledgedAndAQuietLinkSendsNothing() throws {
        var held = BatchVector()
        for sequence: UInt64 in 1...50 { held.insert(origin: right, sequence: sequence) }
        var machine = machine(held: held)
        let opening = summaries(machine.handle(.peerConnected(left), now: now), to: left)
        #expect(opening.map(\.number) == [1])
        #expect(opening.first?.added == held)
        #expect(opening.first?.neighbors == [left])

        // Nothing new and not acknowledged yet: repeated only after the resend period.
        #expect(summaries(machine.handle(.timerFired, now: now + interval), to: left).isEmpty)
        _ = machine.handle(.received(.summaryDelta(SummaryDelta(number: 0, acknowledging: 1)), from: left), now: now + interval + 1)
        #expect(summaries(machine.handle(.timerFired, now: now + resend + interval), to: left).isEmpty)

        // One new batch: the next summary carries it alone.
        _ = machine.handle(.localBatchCommitted(try batch(me, 1)), now: now + resend + interval + 1)
        let next = summaries(machine.handle(.timerFired, now: now + resend + 2 * interval), to: left)
        #expect(next.map(\.number) == [2])
        #expect(next.first?.added == vector([(me, 1)]))
        #expect(next.first?.neighbors == nil)
        #expect(next.first.map { SyncMessage.summaryDelta($0).encoded().count } ?? 0 < 64)

        // Acknowledged: quiet from then on.
        _ = machine.handle(.received(.summaryDelta(SummaryDelta(number: 0, acknowledging: 2)), from: left), now: now + resend + 2 * interval + 1)
        for round: UInt64 in 3...20 {
            #expect(machine.handle(.timerFired, now: now + resend + round * interval).allSatisfy {
                if case .send = $0 { false } else { true }
            }, "round \(round)")
        }
    }

    @Test func aLostSummaryIsCoveredByTheNextAndContentIsAcknowledgedButAcknowledgementsAreNot() throws {
        var machine = machine()
        _ = machine.handle(.peerConnected(left), now: now)
        _ = machine.handle(.received(.summaryDelta(SummaryDelta(number: 0, acknowledging: 1)), from: left), now: now + 1)
        _ = machine.handle(.localBatchCommitted(try batch(me, 1)), now: now + 2)
        let lost = summaries(machine.handle(.timerFired, now: now + interval), to: left)
        #expect(lost.map(\.added) == [vector([(me, 1)])])
        _ = machine.handle(.localBatchCommitted(try batch(me, 2)), now: now + interval + 1)
        let next = summaries(machine.handle(.timerFired, now: now + 2 * interval), to: left)
        #expect(next.map(\.added) == [vector([(me, 1), (me, 2)])])

        // The peer's content is acknowledged once, in a bare acknowledgement.
        _ = machine.handle(.received(.summaryDelta(SummaryDelta(number: 4, acknowledging: 0, added: vector([(left, 1)]))),
                                     from: left), now: now + 2 * interval + 1)
        #expect(machine.knownHeld(by: left)?.contains(origin: left, sequence: 1) == true)
        let owed = sent(machine.handle(.timerFired, now: now + 3 * interval)).filter { $0.1 == left }
        #expect(owed.count == 1)
        #expect(owed.allSatisfy {
            if case .summaryDelta(let delta) = $0.0 { delta.acknowledging == 4 } else { false }
        })
        _ = machine.handle(.received(.summaryDelta(SummaryDelta(number: 0, acknowledging: 3)), from: left), now: now + 3 * interval + 1)
        #expect(summaries(machine.handle(.timerFired, now: now + 4 * interval), to: left).isEmpty)
    }

    @Test func aDeltaSummaryTooFragmentedOnceJoinedIsRefusedAndNotKept() throws {
        var configuration = SyncConfiguration(trustedOrigins: [me, left, right])
        configuration.maxSummaryRanges = 100
        var machine = SyncMachine(
            node: me, configuration: configuration, held: BatchVector(), compacted: BatchVector(),
            clock: HybridLogicalClock(), verify: { _ in true })
        _ = machine.handle(.peerConnected(left), now: now)
        var number: UInt64 = 0
        var refused = false
        for start in stride(from: UInt64(1), through: 400, by: 4) {
            number += 1
            let delta = SummaryDelta(number: number, acknowledging: 0, added: vector([(right, start), (right, start + 2)]))
            let actions = machine.handle(.received(.summaryDelta(delta), from: left), now: now + number)
            if actions.contains(where: { if case .reject(.oversizedSummary, left) = $0 { true } else { false } }) { refused = true }
        }
        #expect(refused)
        #expect((machine.knownHeld(by: left)?.rangeCount ?? 0) <= 100)
    }
}
