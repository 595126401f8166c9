public import TandemCore
public import TandemStore

/// Runs a node's `SyncMachine` against its `ReplicaStore`: feeds it inputs,
/// carries out its actions (store commits, log reads, audit), and hands
/// sends and timers to a `SyncShell`.
///
/// The driver is where the pure protocol meets I/O, and it is the same code
/// under the TCP node and under the simulator. It is not thread-safe: one
/// owner (an actor, an event loop, the simulator) calls it at a time.
public struct SyncDriver<Shell: SyncShell> {
    /// The protocol state.
    public internal(set) var machine: SyncMachine
    /// The node's durable state.
    public let store: any ReplicaStore
    /// Where sends and timers go.
    public let shell: Shell
    let sign: @Sendable ([UInt8]) -> [UInt8]
    /// Which refusals reach the audit log now, which together later, and
    /// which peer to cut off.
    private var refusals: RefusalLedger
    /// What reconciliation may still send each peer.
    private var replyBudgets: [NodeID: ReplyBudget] = [:]
    /// What this node counts of its parity checks running, by peer, and of
    /// the checks it answers (`SyncDriver-Parity.swift`).
    var parityTallies: [NodeID: ParityTally] = [:]
    var parityServed: [NodeID: ParityTally.Served] = [:]
    /// Catch-ups under way, by the state source they come from
    /// (`SyncDriver-CatchUp.swift`).
    var catchUps: [NodeID: CatchUpProgress] = [:]

    /// Creates a driver resuming from `store`.
    ///
    /// - Parameters:
    ///   - sign: signs bytes with this node's Ed25519 key.
    ///   - verify: checks a batch's origin signature.
    ///   - verifyRecords: checks a reconciliation chunk's signature by the
    ///     peer that sent it; without it, chunks are refused.
    public init(
        store: any ReplicaStore, shell: Shell, configuration: SyncConfiguration,
        maxClockOffsetMillis: UInt64 = HybridLogicalClock.defaultMaxOffsetMillis,
        sign: @escaping @Sendable ([UInt8]) -> [UInt8],
        verify: @escaping @Sendable (DeltaBatch) -> Bool,
        verifyRecords: (@Sendable (RecordsChunk, NodeID) -> Bool)? = nil,
        refusalPolicy: RefusalLedger.Policy = RefusalLedger.Policy()
    ) throws(StoreError) {
        let summary = try store.summary()
        machine = SyncMachine(
            node: summary.node, configuration: configuration, held: summary.batches, compacted: summary.compacted,
            clock: HybridLogicalClock(latest: summary.clock, maxOffsetMillis: maxClockOffsetMillis),
            verify: verify, verifyRecords: verifyRecords)
        self.store = store
        self.shell = shell
        self.sign = sign
        refusals = RefusalLedger(policy: refusalPolicy)
    }

    /// This node.
    public var node: NodeID { machine.node }

    /// Starts the periodic timer.
    public mutating func start(now: UInt64) {
        perform(machine.start(now: now), now: now)
    }

    /// Feeds one input. On the timer, also writes the refusals counted
    /// together whose interval is over (`RefusalLedger`).
    public mutating func handle(_ input: SyncInput, now: UInt64) {
        perform(machine.handle(input, now: now), now: now)
        if case .timerFired = input { flushRefusals(now: now) }
    }

    /// Writes the refusals counted but not yet audited: those whose
    /// interval is over, or all of them (`everything`, as at shutdown).
    public mutating func flushRefusals(now: UInt64, everything: Bool = false) {
        let rows = refusals.flush(now: now, everything: everything)
        if !rows.isEmpty { audit(rows) }
    }

    /// Decodes and handles bytes received from an authenticated peer.
    public mutating func receive(_ bytes: [UInt8], from peer: NodeID, now: UInt64) {
        receive([bytes], from: peer, now: now)
    }

    /// Decodes and handles messages that arrived together from `peer` (one
    /// read from its connection), in order, then carries out their actions
    /// together: the batches they carry are committed in one transaction.
    /// A node that falls behind thus commits more batches per sync to disk
    /// instead of falling further behind.
    public mutating func receive(_ messages: [[UInt8]], from peer: NodeID, now: UInt64) {
        var actions: [SyncAction] = []
        for bytes in messages {
            do {
                let message = try SyncMessage(decoding: bytes, limits: machine.configuration.limits, origins: machine.originPrefixes)
                countParityBytes(of: message, bytes.count, peer: peer)
                countCatchUpBytes(of: message, bytes.count, peer: peer)
                actions += machine.handle(.received(message, from: peer), now: now)
            } catch {
                actions += machine.rejectMalformedMessage(error, from: peer)
            }
        }
        perform(actions, now: now)
    }

    /// Compacts the delta log under `policy` for the known `peers` and
    /// tells the machine which batches left it; returns how many did.
    @discardableResult
    public mutating func compactLog(_ policy: LogCompaction, peers: [NodeID], now: UInt64) throws(StoreError) -> Int {
        let removed = try policy.run(on: store, peers: peers, now: now)
        if removed > 0 { handle(.logCompacted(try store.summary().compacted), now: now) }
        return removed
    }

    // MARK: Actions

    private mutating func perform(_ actions: [SyncAction], now: UInt64) {
        var queue = actions[...]
        while let action = queue.popFirst() {
            guard case .apply(let batch, let delta, let source) = action else {
                queue.append(contentsOf: perform(action, now: now))
                continue
            }
            // The batches of one message from one peer, committed together.
            var run = [(RemoteBatch(batch: batch, delta: delta), source)]
            while case .apply(let batch, let delta, let next)? = queue.first, next == source {
                run.append((RemoteBatch(batch: batch, delta: delta), next))
                queue.removeFirst()
            }
            queue.append(contentsOf: apply(run.map(\.0), from: source, now: now))
        }
    }

    /// Commits peers' batches from `source`, in one transaction where the
    /// store can, and tells the machine how each went.
    private mutating func apply(_ batches: [RemoteBatch], from source: NodeID?, now: UInt64) -> [SyncAction] {
        var followUps: [SyncAction] = []
        do {
            let outcomes = try store.commitRemote(batches, clock: machine.clock.latest, now: now)
            for (remote, outcome) in zip(batches, outcomes) {
                switch outcome {
                case .applied(let report):
                    shell.observe(.applied(remote.batch, report))
                    followUps += machine.handle(.batchCommitted(remote.batch, from: source, applied: true), now: now)
                case .duplicate:
                    followUps += machine.handle(.batchCommitted(remote.batch, from: source, applied: false), now: now)
                case .refused(let violation):
                    followUps += machine.handle(.batchRefused(remote.batch, from: source, violation), now: now)
                }
            }
        } catch {
            shell.observe(.storeFailed(error))
            for remote in batches {
                followUps += machine.handle(.batchCommitFailed(remote.batch, from: source), now: now)
            }
        }
        return followUps
    }

    /// Carries out one action; returns the actions its result leads to.
    private mutating func perform(_ action: SyncAction, now: UInt64) -> [SyncAction] {
        switch action {
        case .send(let message, let peer):
            shell.send(message.encoded(), to: peer)
        case .sendFromLog(let ids, let peer, let maxPerMessage):
            do {
                let batches = try store.batches(ids)
                let groups = SyncMessage.groupBatches(
                    batches, maxCount: maxPerMessage, maxBytes: machine.configuration.maxMessageBytes)
                for group in groups { shell.send(SyncMessage.batches(Array(group)).encoded(), to: peer) }
            } catch {
                shell.observe(.storeFailed(error))
            }
        case .apply(let batch, let delta, let source):
            return apply([RemoteBatch(batch: batch, delta: delta)], from: source, now: now)
        case .persistAcknowledged(let vector, let peer):
            do { try store.setAcknowledged(vector, by: peer) } catch { shell.observe(.storeFailed(error)) }
        case .reject(let rejection, let peer):
            // Audited before it is counted: a count never runs ahead of the
            // audit row that explains it.
            refuse(rejection.reason, detail: "from \(peer.hex): \(rejection)", from: peer, now: now)
            shell.observe(.rejected(rejection, from: peer))
        case .holdForClockSkew(let batch, let drift, let peer):
            refuse("held_for_clock_skew", detail: "batch \(batch) held until local time is within the drift bound: \(drift)",
                   from: peer, now: now)
            shell.observe(.heldForClockSkew(batch: batch, drift))
        case .dropDuplicate(let batch, let peer, let held):
            shell.observe(.duplicate(batch: batch.id, from: peer))
            if held { checkForEquivocation(batch, from: peer, now: now) }
        case .deferForCausality(let batch, let violation, let peer):
            shell.observe(.deferred(batch: batch, violation, from: peer))
        case .scheduleTimer(let millis):
            shell.scheduleTimer(afterMillis: millis)
        case .sendStateDigest(let peer):
            do {
                let digests = try store.collections().map { (name: String) throws(StoreError) -> CollectionDigest in
                    let root = DigestReconciliation.root(fromLeaves: try store.leafDigests(name))
                    let context = try store.workingSet(name, records: []).context
                    return CollectionDigest(collection: name, count: root.count, digest: root.digest, context: context)
                }
                shell.send(SyncMessage.stateDigest(held: machine.held, collections: digests).encoded(), to: peer)
            } catch {
                shell.observe(.storeFailed(error))
            }
        case .reconcile(let message, let peer, let peerIsStateSource):
            do {
                return try reconcile(message, from: peer, peerIsStateSource: peerIsStateSource, now: now)
            } catch {
                shell.observe(.storeFailed(error))
            }
        case .reconcileRecords(let chunk, let theirs, let peer):
            do {
                let ours = try store.records(chunk.collection, inLeaves: chunk.leaves)
                let context = try store.workingSet(chunk.collection, records: []).context
                let steps = ReconciliationStep.records(
                    chunk, theirs: theirs, ours: ours, ourContext: context, receiver: machine.node,
                    limits: machine.configuration.limits)
                return try perform(steps, from: peer, now: now)
            } catch {
                shell.observe(.storeFailed(error))
            }
        case .deferRecordsForClockSkew(let collection, let drift, _):
            shell.observe(.recordsDeferredForClockSkew(collection: collection, drift))
        case .sendParityRequest, .answerParity, .drillDown, .parityCheckFinished:
            do {
                return try performParity(action, now: now)
            } catch {
                shell.observe(.storeFailed(error))
            }
        }
        return []
    }

    // MARK: Reconciliation

    /// Records per reconciliation chunk.
    static var recordsPerChunk: Int { 256 }

    /// Reads what a reconciliation message needs of the store and runs the
    /// matching `ReconciliationStep`.
    private mutating func reconcile(
        _ message: SyncMessage, from peer: NodeID, peerIsStateSource: Bool, now: UInt64
    ) throws(StoreError) -> [SyncAction] {
        let steps: [ReconciliationStep.Action]
        switch message {
        case .stateDigest(let held, let theirs):
            var leaves: [String: [UInt16: (count: UInt64, digest: UInt64)]] = [:]
            var contexts: [String: CausalContext] = [:]
            // In a fixed order: the simulator replays a seed exactly.
            for name in Set(try store.collections()).union(theirs.map(\.collection)).sorted() {
                leaves[name] = try store.leafDigests(name)
                contexts[name] = try store.workingSet(name, records: []).context
            }
            if peerIsStateSource { noteDigest(from: peer, missing: Self.missingRecords(theirs: theirs, ours: leaves), now: now) }
            steps = ReconciliationStep.stateDigest(
                held: held, theirs: theirs, ourLeaves: leaves, ourContexts: contexts, ourHeld: machine.held,
                peerIsStateSource: peerIsStateSource, receiver: machine.node,
                limits: machine.configuration.limits)
        case .bucketDigests(let collection, let level, let theirs):
            steps = ReconciliationStep.bucketDigests(
                collection: collection, level: level, theirs: theirs, ourLeaves: try store.leafDigests(collection),
                peerIsStateSource: peerIsStateSource)
        case .summary, .batches, .records, .parityRequest, .parityReply, .summaryDelta, .prune, .graft:
            steps = []
        }
        return try perform(steps, from: peer, now: now)
    }

    /// Carries out a reconciliation step's actions: the sends, the join or
    /// the adoption (each one store transaction), the refusal.
    mutating func perform(
        _ steps: [ReconciliationStep.Action], from peer: NodeID, now: UInt64
    ) throws(StoreError) -> [SyncAction] {
        var followUps: [SyncAction] = []
        // One request's replies share one allowance.
        var budget = replyBudgets[peer] ?? machine.configuration.replyBudget
        var allowance = budget.allowance(now: now)
        defer { replyBudgets[peer] = budget }
        for step in steps {
            switch step {
            case .sendBucketDigests(let collection, let level, let buckets):
                send(.bucketDigests(collection: collection, level: level, buckets: buckets), to: peer)
            case .sendParityReply(let check, let held, let roots, let repaired, let drilling):
                send(.parityReply(check: check, held: held, collections: roots, repaired: repaired, drilling: drilling), to: peer)
            case .sendRecords(let collection, let leaves, let isReply):
                let sent = try sendRecords(collection, leaves: leaves, isReply: isReply, to: peer, allowance: allowance)
                parityTallies[peer]?.bytes += sent.bytes
                allowance -= sent.bytes
                budget.spend(sent.bytes)
                if sent.cutShort { shell.observe(.replyCutShort(peer: peer, collection: collection, bytesSent: sent.bytes)) }
            case .adopt(let held, let contexts):
                try store.adoptHeld(held, contexts: contexts, from: peer, now: now)
                followUps += machine.handle(.heldAdopted(held), now: now)
            case .join(let collection, let delta):
                let report = try store.commitReconciliation(
                    delta, collection: collection, from: peer, clock: machine.clock.latest, now: now)
                countRepaired(report, from: peer)
                shell.observe(.reconciled(collection: collection, report))
                noteCatchUpJoin(report, from: peer, now: now)
            case .reject(let rejection):
                followUps += machine.reject(rejection, from: peer)
            case .reportDivergence(let collections):
                shell.observe(.divergence(peer: peer, collections: collections))
                refuse("state_divergence", detail: "peer \(peer.hex) holds the same batches as this node but different records in "
                       + collections.joined(separator: ", ") + " (an origin signed two batches under one sequence, or a store is damaged)",
                       from: peer, now: now, counts: false)
            }
        }
        return followUps
    }

    /// Sends every record of `collection` in `leaves`, in signed chunks,
    /// until `allowance` bytes are spent: the chunks past it are not sent
    /// (the peer asks again for what still differs). Returns the bytes sent
    /// and whether the reply was cut short.
    private func sendRecords(
        _ collection: String, leaves: ClosedRange<UInt16>, isReply: Bool, to peer: NodeID, allowance: Int
    ) throws(StoreError) -> (bytes: Int, cutShort: Bool) {
        guard allowance > 0 else { return (0, true) }
        let records = try store.records(collection, inLeaves: leaves)
        let context = try store.workingSet(collection, records: []).context
        // Room for the records once the context, collection name and
        // signature are in: each chunk fits in one message.
        let fixed = RecordCollection(trusted: [:], context: context).encoded().count + collection.utf8.count + 128
        let room = max(machine.configuration.maxMessageBytes - fixed, 1)
        var sent = 0
        for part in DigestReconciliation.chunks(of: records, covering: leaves, maxRecords: Self.recordsPerChunk, maxBytes: room) {
            guard sent < allowance else { return (sent, true) }
            var chunk = RecordsChunk(
                collection: collection, leaves: part.leaves,
                payload: RecordCollection(trusted: part.records, context: context).encoded(), isReply: isReply)
            chunk.signature = sign(chunk.signingBytes)
            let bytes = SyncMessage.records(chunk).encoded()
            shell.send(bytes, to: peer)
            sent += bytes.count
        }
        return (sent, false)
    }

    private func audit(_ events: [AuditEvent]) {
        do { try store.appendAudit(events) } catch { shell.observe(.storeFailed(error)) }
    }

    /// A batch arrived that this node holds: if the copy in its log differs
    /// and the new one is validly signed too, its origin signed two batches
    /// under one sequence. That is refused as equivocation and audited with
    /// both signed batches (their wire encodings) as evidence; the origin is
    /// reported (`SyncEvent.equivocation`). Batches no longer in the log
    /// cannot be compared here; the periodic state check finds what they do.
    private mutating func checkForEquivocation(_ batch: DeltaBatch, from peer: NodeID, now: UInt64) {
        let logged: DeltaBatch
        do {
            guard let copy = try store.batches([batch.id]).first else { return }
            logged = copy
        } catch {
            shell.observe(.storeFailed(error))
            return
        }
        guard logged.collection != batch.collection || logged.payload != batch.payload, machine.verifies(batch) else { return }
        shell.observe(.equivocation(origin: batch.origin, sequence: batch.sequence, from: peer))
        let evidence = "held " + Hex.encode(SyncMessage.batches([logged]).encoded())
            + ", received " + Hex.encode(SyncMessage.batches([batch]).encoded())
        perform(machine.reject(.equivocation(batch: batch.id), from: peer), now: now)
        refuse("equivocation_evidence", detail: "origin \(batch.origin.hex) signed two different batches as \(batch.id); evidence (batches messages, hex): \(evidence)",
               from: batch.origin, now: now, counts: false)
    }

    /// Counts a refusal; audits it now if it is the first of its kind in
    /// the interval; reports a peer past the refusal limit (unless the
    /// event does not `count` towards it: a report, not the peer's fault).
    private mutating func refuse(_ reason: String, detail: String, from peer: NodeID, now: UInt64, counts: Bool = true) {
        let outcome = refusals.record(reason: reason, detail: detail, from: peer, now: now)
        if let event = outcome.audit { audit([event]) }
        if outcome.disconnect && counts {
            shell.observe(.refusalLimitReached(peer: peer, limit: refusals.policy.disconnectAfter,
                                               intervalMillis: refusals.policy.intervalMillis))
        }
    }
}
