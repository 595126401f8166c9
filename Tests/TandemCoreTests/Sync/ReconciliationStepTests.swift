import TandemCore
import TandemTestSupport
import Testing

/// Digest reconciliation's decisions, without a store or a socket: what a
/// step does with a peer's digests and records.
@Suite(.ownThread) struct ReconciliationStepTests {
    let me = Fixture.a
    let peer = Fixture.b
    let other = Fixture.c

    func written(_ id: String, _ value: String, by node: NodeID, at physical: UInt64) throws -> RecordCollection {
        var state = RecordCollection()
        try state.set("name", to: .string(value), in: id, by: node, at: Fixture.timestamp(physical))
        return state
    }

    func leaves(of state: RecordCollection) -> [UInt16: (count: UInt64, digest: UInt64)] {
        var leaves: [UInt16: (count: UInt64, digest: UInt64)] = [:]
        for (id, store) in state.records {
            let leaf = DigestReconciliation.leaf(of: id)
            let current = leaves[leaf] ?? (0, 0)
            leaves[leaf] = (current.count + 1, current.digest &+ DigestReconciliation.digest(of: id, store))
        }
        return leaves
    }

    func chunk(_ state: RecordCollection, isReply: Bool = false) -> RecordsChunk {
        RecordsChunk(collection: "customers", leaves: 0...65_535, payload: state.encoded(), isReply: isReply)
    }

    @Test func equalStatesAdoptTheirVectorUnlessTheirContextsClaimOurUnmadeWrites() throws {
        let state = try written("r1", "Ann", by: me, at: 10)
        var held = BatchVector()
        held.insert(origin: other, sequence: 4)
        let root = DigestReconciliation.root(fromLeaves: leaves(of: state))
        let honest = CollectionDigest(collection: "customers", count: root.count, digest: root.digest, context: state.context)
        let adopted = ReconciliationStep.stateDigest(
            held: held, theirs: [honest], ourLeaves: ["customers": leaves(of: state)], ourContexts: ["customers": state.context],
            ourHeld: BatchVector(), peerIsStateSource: true, receiver: me, limits: .default)
        guard case .adopt(let vector, let contexts)? = adopted.first, adopted.count == 1 else {
            Issue.record("equal states adopt: \(adopted)")
            return
        }
        #expect(vector == held)
        #expect(contexts == ["customers": state.context])

        var claiming = state.context
        claiming.insert(node: me, 1...50)
        var forged = honest
        forged.context = claiming
        let refused = ReconciliationStep.stateDigest(
            held: held, theirs: [forged], ourLeaves: ["customers": leaves(of: state)], ourContexts: ["customers": state.context],
            ourHeld: BatchVector(), peerIsStateSource: true, receiver: me, limits: .default)
        guard case .reject(.forgedState(collection: "customers", .context(.receiverDots(node: me, 2...50))))? = refused.first else {
            Issue.record("a context claiming our unmade writes is refused: \(refused)")
            return
        }
    }

    @Test func theSameBatchesWithDifferentRecordsAreReportedAsDivergence() throws {
        let ours = try written("r1", "Ann", by: me, at: 10)
        let theirs = try written("r1", "Eve", by: me, at: 10)
        var held = BatchVector()
        held.insert(origin: other, sequence: 1)
        let root = DigestReconciliation.root(fromLeaves: leaves(of: theirs))
        let digest = CollectionDigest(collection: "customers", count: root.count, digest: root.digest, context: theirs.context)
        for isSource in [false, true] {
            let actions = ReconciliationStep.stateDigest(
                held: held, theirs: [digest], ourLeaves: ["customers": leaves(of: ours)], ourContexts: ["customers": ours.context],
                ourHeld: held, peerIsStateSource: isSource, receiver: me, limits: .default)
            guard case .reportDivergence(let collections)? = actions.first else {
                Issue.record("divergence reported: \(actions)")
                continue
            }
            #expect(collections == ["customers"])
            // Only a state source's digest goes on to reconcile.
            #expect(actions.count == (isSource ? 2 : 1))
        }
        // With equal records, a comparison from a peer that is no state source does nothing.
        let same = CollectionDigest(
            collection: "customers", count: root.count, digest: DigestReconciliation.root(fromLeaves: leaves(of: ours)).digest,
            context: ours.context)
        #expect(ReconciliationStep.stateDigest(
            held: held, theirs: [same], ourLeaves: ["customers": leaves(of: ours)], ourContexts: ["customers": ours.context],
            ourHeld: held, peerIsStateSource: false, receiver: me, limits: .default).isEmpty)
    }

    @Test func recordsAreJoinedScopedAndAnsweredUnlessForged() throws {
        let ours = try written("r1", "Ann", by: me, at: 10)
        // The sender lacks our r1: it is answered with our records.
        var theirs = RecordCollection()
        try theirs.set("name", to: .string("Bo"), in: "r2", by: peer, at: Fixture.timestamp(11))
        let actions = ReconciliationStep.records(
            chunk(theirs), theirs: theirs, ours: ours.records, ourContext: ours.context, receiver: me, limits: .default)
        #expect(actions.count == 2)
        if case .join(let collection, let delta)? = actions.first {
            #expect(collection == "customers")
            #expect(delta == DigestReconciliation.scopedDelta(theirs: theirs, ours: ours.records))
        } else {
            Issue.record("records are joined: \(actions)")
        }
        if case .sendRecords(_, let leaves, let isReply)? = actions.last {
            #expect(leaves == 0...65_535)
            #expect(isReply)
        } else {
            Issue.record("a request is answered: \(actions)")
        }
        // A sender that holds all we hold there learns nothing: not answered.
        var everything = ours
        try everything.set("name", to: .string("Bo"), in: "r2", by: peer, at: Fixture.timestamp(11))
        #expect(ReconciliationStep.records(
            chunk(everything), theirs: everything, ours: ours.records, ourContext: ours.context,
            receiver: me, limits: .default).count == 1)
        // Holding nothing there, but having seen (removed) one of its writes: answered.
        var removed = ours.context
        if let dot = theirs.records["r2"]?.fields.first?.register.entries.first?.dot { removed.insert(dot) }
        #expect(ReconciliationStep.records(
            chunk(theirs), theirs: theirs, ours: [:], ourContext: removed, receiver: me, limits: .default).count == 2)
        #expect(ReconciliationStep.records(
            chunk(theirs), theirs: theirs, ours: [:], ourContext: ours.context, receiver: me, limits: .default).count == 1)
        // A reply is not answered.
        #expect(ReconciliationStep.records(
            chunk(theirs, isReply: true), theirs: theirs, ours: ours.records, ourContext: ours.context,
            receiver: me, limits: .default).count == 1)

        // The same dot as our write, with another value: forged.
        let dot = try #require(ours.records["r1"]?.fields.first?.register.entries.first?.dot)
        var planted = RecordCollection()
        try planted.set("name", to: .string("Mallory"), in: "r1", by: me, at: Fixture.timestamp(10))
        #expect(planted.records["r1"]?.fields.first?.register.entries.first?.dot == dot)
        guard case .reject(.forgedRecords(collection: "customers", dot: dot))? = ReconciliationStep.records(
            chunk(planted), theirs: planted, ours: ours.records, ourContext: ours.context, receiver: me,
            limits: .default).first
        else {
            Issue.record("a second write under one dot is refused")
            return
        }

        // An entry under our own next dot, which we never made: forged.
        var ahead = ours
        try ahead.set("name", to: .string("later"), in: "r3", by: me, at: Fixture.timestamp(12))
        let steps = ReconciliationStep.records(
            chunk(ahead), theirs: ahead, ours: ours.records, ourContext: ours.context, receiver: me, limits: .default)
        guard case .reject(.forgedState(collection: "customers", .context(.receiverDots(node: me, 2...2))))? = steps.first else {
            Issue.record("our unmade dot is refused: \(steps)")
            return
        }
    }

    @Test func bucketsForAPeerThatIsNoStateSourceGoAsReplies() throws {
        let ours = try written("r1", "Ann", by: me, at: 10)
        let empty = DigestReconciliation.buckets(fromLeaves: [:], level: 4, only: [UInt32(DigestReconciliation.leaf(of: "r1"))])
        for isSource in [true, false] {
            let actions = ReconciliationStep.bucketDigests(
                collection: "customers", level: 4, theirs: empty, ourLeaves: leaves(of: ours), peerIsStateSource: isSource)
            guard case .sendRecords(_, _, let isReply)? = actions.first else {
                Issue.record("a one-sided bucket exchanges records: \(actions)")
                continue
            }
            #expect(isReply == !isSource)
        }
    }
}
