/// One step of digest reconciliation, decided purely: a peer's message and
/// what this node read of its own state in, concrete actions out. The
/// driver reads the digests and records it names, calls a step, and carries
/// out what it returns (sends, a join, an adoption); it decides nothing.
///
/// The protocol is `DigestReconciliation`'s (docs/protocol.md,
/// "Reconciliation by digest"). What a step guarantees beyond it:
/// - A state digest is adopted only when every collection's count and
///   digest equal ours, and its contexts claim none of this node's unmade
///   dots and no counter past `Limits.maxClaimedCounter`.
/// - A records chunk is joined only as `DigestReconciliation.scopedDelta`,
///   and only when none of its entries sits under one of this node's unmade
///   dots, and none contradicts an entry this node holds under the same dot
///   (a dot names one write: a second, different write under it is forged).
/// - Records for a peer that is not this node's state source go as replies,
///   so it does not answer with its own (which would be refused).
public enum ReconciliationStep {
    /// What the driver does after a step.
    public enum Action: Sendable {
        /// Send bucket digests of `collection` at `level`.
        case sendBucketDigests(collection: String, level: UInt8, buckets: [DigestReconciliation.BucketDigest])
        /// Send, in signed chunks, every record of `collection` in `leaves`.
        case sendRecords(collection: String, leaves: ClosedRange<UInt16>, isReply: Bool)
        /// Record `held` as held and join `contexts` (the states are equal).
        case adopt(held: BatchVector, contexts: [String: CausalContext])
        /// Join `delta` into `collection`.
        case join(collection: String, delta: RecordCollection)
        /// Refuse the message; nothing changes.
        case reject(SyncRejection)
        /// The peer holds the same batches but these collections differ:
        /// report it (an origin equivocated, or a store is damaged).
        case reportDivergence(collections: [String])
        /// Answer parity request `check` with this node's batch vector and
        /// roots, the records joined from the peer during that check, and
        /// whether this node started the drill-down.
        case sendParityReply(check: UInt64, held: BatchVector, roots: [CollectionRoot], repaired: UInt64, drilling: Bool)
    }

    /// Every collection's root (count and digest of all its records), from
    /// its leaf digests.
    public static func roots(_ leaves: [String: [UInt16: (count: UInt64, digest: UInt64)]]) -> [CollectionRoot] {
        leaves.keys.sorted().map { name in
            let root = DigestReconciliation.root(fromLeaves: leaves[name] ?? [:])
            return CollectionRoot(collection: name, count: root.count, digest: root.digest)
        }
    }

    /// The first step down into `collections`: all 16 level-1 bucket
    /// digests of each (empty ones included). Reconciliation and parity
    /// checks both start here.
    public static func drillDown(
        _ collections: [String], ourLeaves: [String: [UInt16: (count: UInt64, digest: UInt64)]]
    ) -> [Action] {
        collections.map { name in
            let buckets = DigestReconciliation.buckets(fromLeaves: ourLeaves[name] ?? [:], level: 1, only: Set(0..<16))
            return .sendBucketDigests(collection: name, level: 1, buckets: buckets)
        }
    }

    /// A peer's parity request (its batch vector `held` and roots) against
    /// our leaf digests of every collection either side has. Always
    /// answered. The roots are compared only at the same batch vector
    /// (otherwise batches are in flight and the requester asks again);
    /// where they differ, this node drills down if it takes the peer's
    /// records (`peerIsStateSource`), so the records exchanged are joined
    /// here, and the peer joins ours if it takes them.
    public static func parityRequest(
        check: UInt64, held: BatchVector, theirs: [CollectionRoot],
        ourLeaves: [String: [UInt16: (count: UInt64, digest: UInt64)]], ourHeld: BatchVector,
        repaired: UInt64, peerIsStateSource: Bool
    ) -> [Action] {
        let ours = roots(ourLeaves)
        guard held == ourHeld else {
            return [.sendParityReply(check: check, held: ourHeld, roots: ours, repaired: repaired, drilling: false)]
        }
        let differing = CollectionRoot.differing(ours, theirs)
        let drilling = peerIsStateSource && !differing.isEmpty
        let reply = Action.sendParityReply(check: check, held: ourHeld, roots: ours, repaired: repaired, drilling: drilling)
        return [reply] + (drilling ? drillDown(differing, ourLeaves: ourLeaves) : [])
    }

    /// A peer's state digest against our leaf digests and contexts of every
    /// collection either side has. `ourHeld` is the batch vector this node
    /// holds; from a peer that is not a state source (`peerIsStateSource`
    /// false, and then `held == ourHeld`), the digest is only compared.
    public static func stateDigest(
        held: BatchVector, theirs: [CollectionDigest], ourLeaves: [String: [UInt16: (count: UInt64, digest: UInt64)]],
        ourContexts: [String: CausalContext], ourHeld: BatchVector, peerIsStateSource: Bool,
        receiver: NodeID, limits: Limits
    ) -> [Action] {
        let differing = CollectionRoot.differing(
            roots(ourLeaves), theirs.map { CollectionRoot(collection: $0.collection, count: $0.count, digest: $0.digest) })
        let actions = drillDown(differing, ourLeaves: ourLeaves)
        // The same batches and different records: nothing in the protocol
        // makes that happen but an origin that signed two batches under
        // one sequence (or a damaged store).
        let diverged: [Action] = held == ourHeld && !differing.isEmpty ? [.reportDivergence(collections: differing)] : []
        guard peerIsStateSource else { return diverged }
        guard actions.isEmpty else { return diverged + actions }
        // Equal states: everything the peer held is held here too, once its
        // contexts prove to claim nothing no honest peer could.
        var contexts: [String: CausalContext] = [:]
        for digest in theirs {
            if let rejection = forgedClaim(
                digest.context, collection: digest.collection, seen: ourContexts[digest.collection] ?? CausalContext(),
                receiver: receiver, limits: limits) {
                return [.reject(rejection)]
            }
            contexts[digest.collection] = digest.context
        }
        return [.adopt(held: held, contexts: contexts)]
    }

    /// A peer's bucket digests against our leaf digests of `collection`.
    public static func bucketDigests(
        collection: String, level: UInt8, theirs: [DigestReconciliation.BucketDigest],
        ourLeaves: [UInt16: (count: UInt64, digest: UInt64)], peerIsStateSource: Bool
    ) -> [Action] {
        let comparison = DigestReconciliation.compare(theirs: theirs, level: Int(level), ourLeaves: ourLeaves)
        var actions: [Action] = comparison.exchange.map {
            .sendRecords(collection: collection, leaves: DigestReconciliation.leaves(ofBucket: $0, level: Int(level)),
                         isReply: !peerIsStateSource)
        }
        if !comparison.drill.isEmpty {
            let children = Set(comparison.drill.flatMap { DigestReconciliation.children(of: $0) })
            let buckets = DigestReconciliation.buckets(fromLeaves: ourLeaves, level: Int(level) + 1, only: children)
            actions.append(.sendBucketDigests(collection: collection, level: level + 1, buckets: buckets))
        }
        return actions
    }

    /// A peer's records chunk (`theirs`, decoded and checked by the sync
    /// machine) against our records in the same leaves and our context.
    public static func records(
        _ chunk: RecordsChunk, theirs: RecordCollection, ours: [String: RecordStore], ourContext: CausalContext,
        receiver: NodeID, limits: Limits
    ) -> [Action] {
        if let rejection = forgedClaim(
            theirs.context, collection: chunk.collection, seen: ourContext, receiver: receiver, limits: limits) {
            return [.reject(rejection)]
        }
        if let dot = contradictedDot(theirs: theirs.records, ours: ours) {
            return [.reject(.forgedRecords(collection: chunk.collection, dot: dot))]
        }
        var actions: [Action] = [.join(collection: chunk.collection, delta: DigestReconciliation.scopedDelta(theirs: theirs, ours: ours))]
        if !chunk.isReply && !learnsNothing(theirs, ours: ours, ourContext: ourContext) {
            actions.append(.sendRecords(collection: chunk.collection, leaves: chunk.leaves, isReply: true))
        }
        return actions
    }

    /// Whether the sender of `theirs` would learn nothing from our records
    /// of the same leaves: each record we hold there it sent us as is, and
    /// of the others it sent our context has seen no write (so we removed
    /// none of them). After the join we then hold exactly its records in
    /// those leaves, and answering would send them straight back: a new
    /// node taking in a snapshot would double its traffic and make its
    /// source verify and join everything it sent.
    ///
    /// - Complexity: O(entries of both sides).
    static func learnsNothing(_ theirs: RecordCollection, ours: [String: RecordStore], ourContext: CausalContext) -> Bool {
        for (id, store) in ours where theirs.records[id] != store { return false }
        for (id, store) in theirs.records where ours[id] == nil {
            var seen = false
            store.forEachDot { dot in
                if !seen && ourContext.contains(dot) { seen = true }
            }
            if seen { return false }
        }
        return true
    }

    /// A refusal if `context` (sent by a peer) claims a counter past the
    /// limit or one of the receiver's dots it never made.
    static func forgedClaim(
        _ context: CausalContext, collection: String, seen: CausalContext, receiver: NodeID, limits: Limits
    ) -> SyncRejection? {
        if let dot = ContextClaims.claimBeyond(limits.maxClaimedCounter, in: context) {
            return .forgedState(collection: collection, .claimBeyondLimit(dot, limit: limits.maxClaimedCounter))
        }
        return ContextClaims.unmadeReceiverDots(context, receiver: receiver, seen: seen).map {
            .forgedState(collection: collection, .context($0))
        }
    }

    /// The first dot that both sides hold with different content (a dot
    /// names exactly one write, so one of them is forged), or nil.
    ///
    /// - Complexity: O(entries of both sides).
    static func contradictedDot(theirs: [String: RecordStore], ours: [String: RecordStore]) -> Dot? {
        var held: [Dot: EntryIdentity] = [:]
        for (id, store) in ours { forEachEntry(of: store, in: id) { held[$0] = $1 } }
        var contradicted: Dot?
        for (id, store) in theirs.sorted(by: { $0.key < $1.key }) where contradicted == nil {
            forEachEntry(of: store, in: id) { dot, identity in
                if contradicted == nil, let mine = held[dot], mine != identity { contradicted = dot }
            }
        }
        return contradicted
    }

    /// What one dot names: a record's presence, a field write, or a set element.
    enum EntryIdentity: Hashable {
        case presence(record: String)
        case field(record: String, name: String, timestamp: HLCTimestamp, value: Value)
        case element(record: String, set: String, element: Value)
    }

    private static func forEachEntry(of store: RecordStore, in id: String, _ body: (Dot, EntryIdentity) -> Void) {
        store.presence.forEachDot { body($0, .presence(record: id)) }
        for (name, register) in store.fields {
            for entry in register.entries {
                body(entry.dot, .field(record: id, name: name, timestamp: entry.timestamp, value: entry.value))
            }
        }
        for name in store.sets.sortedKeys {
            let elements = store.sets[name]
            for element in elements.sortedKeys {
                elements[element].forEachDot { body($0, .element(record: id, set: name, element: element)) }
            }
        }
    }
}
