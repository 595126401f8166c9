import TandemCore
import TandemTestSupport
import Testing

/// What a peer's batch may claim in its causal context (`ContextClaims`,
/// `DeltaBatch.delta(limits:)`): the review's attack (one entry-less batch
/// claiming every counter of two nodes) and each rule on its own.
@Suite(.ownThread) struct ContextClaimsTests {
    let a = Fixture.a
    let b = Fixture.b
    let c = Fixture.c

    func context(_ claims: [(NodeID, ClosedRange<UInt64>)]) -> CausalContext {
        var context = CausalContext()
        for (node, range) in claims { context.insert(node: node, range) }
        return context
    }

    func batch(from origin: NodeID, claiming claims: [(NodeID, ClosedRange<UInt64>)]) -> DeltaBatch {
        DeltaBatch(origin: origin, sequence: 1, collection: "customers",
                   payload: RecordCollection(trusted: [:], context: context(claims)).encoded())
    }

    @Test func theReviewsBatchClaimingEveryCounterIsRefusedBeforeItReachesAnyState() {
        let forged = batch(from: a, claiming: [(a, 1...UInt64.max), (b, 1...UInt64.max)])
        #expect(throws: BatchError.claimBeyondLimit(Dot(node: a, counter: .max), limit: 1 << 48)) {
            try forged.delta()
        }
        // A claim just at the limit decodes; one past it does not.
        let limits = Limits(maxClaimedCounter: 1_000)
        #expect(throws: Never.self) { try batch(from: a, claiming: [(a, 1...1_000)]).delta(limits: limits) }
        #expect(throws: BatchError.claimBeyondLimit(Dot(node: b, counter: 1_001), limit: 1_000)) {
            try batch(from: a, claiming: [(b, 999...1_001)]).delta(limits: limits)
        }
    }

    @Test func theOriginMayClaimItsOwnDotsIncludingOnesNoOtherNodeSaw() {
        // A grouped batch that wrote a:1 and replaced it with a:2 carries a:2
        // and claims a:1; a delete of its own earlier writes claims them.
        let seen = context([(b, 1...3)])
        let delta = RecordCollection(trusted: [:], context: context([(a, 1...40)]))
        #expect(ContextClaims.check(delta, origin: a, receiver: b, seen: seen) == nil)
    }

    @Test func claimsOfTheReceiversUnmadeDotsAreForged() {
        let seen = context([(b, 1...3)])
        let delta = RecordCollection(trusted: [:], context: context([(b, 1...5)]))
        #expect(ContextClaims.check(delta, origin: a, receiver: b, seen: seen) == .receiverDots(node: b, 4...5))
        // Claims of what the receiver made are a delete or overwrite it observed.
        let observed = RecordCollection(trusted: [:], context: context([(b, 2...3)]))
        #expect(ContextClaims.check(observed, origin: a, receiver: b, seen: seen) == nil)
        // A batch in the receiver's own name gets no exemption.
        #expect(ContextClaims.check(delta, origin: b, receiver: b, seen: seen) == .receiverDots(node: b, 4...5))
    }

    @Test func claimsOfAThirdNodesUnseenDotsWaitForThem() {
        var seen = context([(c, 1...2), (c, 5...6)])
        let delta = RecordCollection(trusted: [:], context: context([(c, 1...2), (c, 4...6)]))
        #expect(ContextClaims.check(delta, origin: a, receiver: b, seen: seen) == .unseenDots(node: c, 4...4))
        seen.insert(node: c, 3...4)
        #expect(ContextClaims.check(delta, origin: a, receiver: b, seen: seen) == nil)
        // A node the receiver has seen nothing of.
        let other = NodeID(words: 9, 9, 9, 9)
        let unknown = RecordCollection(trusted: [:], context: context([(other, 7...7)]))
        #expect(ContextClaims.check(unknown, origin: a, receiver: b, seen: seen) == .unseenDots(node: other, 7...7))
    }

    @Test func theFirstGapCostsRangesNotCounters() {
        // 2^47 counters in a handful of ranges: answered at once.
        let quarter: UInt64 = 1 << 46
        let half: UInt64 = 1 << 47
        let held = CausalContext.NodeDots(prefix: quarter, cloud: [(quarter + 10)...half])
        let firstGap: ClosedRange<UInt64>? = (quarter + 1)...(quarter + 9)
        #expect(held.firstUnseen(in: CausalContext.NodeDots(prefix: half)) == firstGap)
        #expect(held.firstUnseen(in: CausalContext.NodeDots(prefix: quarter)) == nil)
        let pastTheEnd: ClosedRange<UInt64>? = (half + 1)...(half + 1)
        #expect(held.firstUnseen(in: CausalContext.NodeDots(cloud: [(half - 5)...(half + 1)])) == pastTheEnd)
    }
}
