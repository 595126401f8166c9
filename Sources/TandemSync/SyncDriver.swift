import TandemCore
import TandemStore

/// Runs a node's `SyncMachine` against its `ReplicaStore`: feeds it inputs,
/// carries out its actions (store commits, log reads, audit), and hands
/// sends and timers to a `SyncShell`.
///
/// The driver is where the pure protocol meets I/O, and it is the same code
/// under the TCP node and under the simulator. It is not thread-safe: one
/// owner (an actor, an event loop, the simulator) calls it at a time.
public struct SyncDriver<Shell: SyncShell> {
    /// The protocol state.
    public private(set) var machine: SyncMachine
    /// The node's durable state.
    public let store: any ReplicaStore
    /// Where sends and timers go.
    public let shell: Shell
    private let sign: @Sendable ([UInt8]) -> [UInt8]

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
        verifyRecords: (@Sendable (RecordsChunk, NodeID) -> Bool)? = nil
    ) throws(StoreError) {
        let summary = try store.summary()
        machine = SyncMachine(
            node: summary.node, configuration: configuration, held: summary.batches, compacted: summary.compacted,
            clock: HybridLogicalClock(latest: summary.clock, maxOffsetMillis: maxClockOffsetMillis),
            verify: verify, verifyRecords: verifyRecords)
        self.store = store
        self.shell = shell
        self.sign = sign
    }

    /// This node.
    public var node: NodeID { machine.node }

    /// Starts the periodic timer.
    public mutating func start(now: UInt64) {
        perform(machine.start(now: now), now: now)
    }

    /// Feeds one input.
    public mutating func handle(_ input: SyncInput, now: UInt64) {
        perform(machine.handle(input, now: now), now: now)
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
                let message = try SyncMessage(decoding: bytes, limits: machine.configuration.limits)
                actions += machine.handle(.received(message, from: peer), now: now)
            } catch {
                actions += machine.rejectMalformedMessage(error, from: peer)
            }
        }
        perform(actions, now: now)
    }

    /// Makes a local change: loads the records `ids` of `collection`, lets
    /// `change` run delta mutators on them with a fresh timestamp, commits
    /// the returned delta as this node's next signed batch, and sends it to
    /// the peers that lack it. Returns the batch, or nil for an empty delta.
    ///
    /// The change is durable when this returns: acknowledge it then. A
    /// change too large to send as one message (`SyncConfiguration.maxMessageBytes`)
    /// is refused with `SyncWriteError.batchTooLarge` and nothing is committed:
    /// a batch that could never reach a peer would leave the replicas apart.
    @discardableResult
    public mutating func write(
        _ collection: String, records ids: [String], now: UInt64,
        cursor: AdapterCursorUpdate? = nil, keyMappings: [ExternalKeyMapping] = [],
        _ change: (inout RecordCollection, HLCTimestamp) throws -> RecordCollection
    ) throws -> DeltaBatch? {
        // The store holds ids in normal form C, as the core does
        // (`Identifier`): look up that spelling, whichever the caller used.
        var working = try store.workingSet(collection, records: ids.map(Identifier.normalized))
        let timestamp = machine.tick(now: now)
        let delta = try change(&working, timestamp)
        if delta.records.isEmpty && delta.context.isEmpty && cursor == nil { return nil }
        let local = LocalChange(
            collection: collection, delta: delta, clock: machine.clock.latest, cursor: cursor, keyMappings: keyMappings)
        let size = SyncMessage.batchesMessageOverhead
            + SyncMessage.encodedSizeBound(collection: collection, payloadBytes: local.payload.count)
        guard size <= machine.configuration.maxMessageBytes else {
            throw SyncWriteError.batchTooLarge(
                collection: collection, bytes: size, limit: machine.configuration.maxMessageBytes)
        }
        let batch = try store.commitLocal(local, sign: sign, now: now)
        shell.observe(.committedLocally(batch))
        handle(.localBatchCommitted(batch), now: now)
        return batch
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
            shell.observe(.rejected(rejection, from: peer))
            audit(AuditEvent(at: now, kind: .rejected, node: peer, detail: "from \(peer.hex): \(rejection)"))
        case .holdForClockSkew(let batch, let drift, let peer):
            shell.observe(.heldForClockSkew(batch: batch, drift))
            audit(AuditEvent(at: now, kind: .rejected, node: peer,
                             detail: "batch \(batch) held until local time is within the drift bound: \(drift)"))
        case .dropDuplicate(let batch, let peer):
            shell.observe(.duplicate(batch: batch, from: peer))
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
                    chunk, theirs: theirs, ours: ours, ourContext: context, receiver: machine.node, peer: peer,
                    limits: machine.configuration.limits)
                return try perform(steps, from: peer, now: now)
            } catch {
                shell.observe(.storeFailed(error))
            }
        case .deferRecordsForClockSkew(let collection, let drift, _):
            shell.observe(.recordsDeferredForClockSkew(collection: collection, drift))
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
            for name in Set(try store.collections()).union(theirs.map(\.collection)) {
                leaves[name] = try store.leafDigests(name)
                contexts[name] = try store.workingSet(name, records: []).context
            }
            steps = ReconciliationStep.stateDigest(
                held: held, theirs: theirs, ourLeaves: leaves, ourContexts: contexts, receiver: machine.node, peer: peer,
                limits: machine.configuration.limits)
        case .bucketDigests(let collection, let level, let theirs):
            steps = ReconciliationStep.bucketDigests(
                collection: collection, level: level, theirs: theirs, ourLeaves: try store.leafDigests(collection),
                peerIsStateSource: peerIsStateSource)
        case .summary, .batches, .records:
            steps = []
        }
        return try perform(steps, from: peer, now: now)
    }

    /// Carries out a reconciliation step's actions: the sends, the join or
    /// the adoption (each one store transaction), the refusal.
    private mutating func perform(
        _ steps: [ReconciliationStep.Action], from peer: NodeID, now: UInt64
    ) throws(StoreError) -> [SyncAction] {
        var followUps: [SyncAction] = []
        for step in steps {
            switch step {
            case .sendBucketDigests(let collection, let level, let buckets):
                shell.send(SyncMessage.bucketDigests(collection: collection, level: level, buckets: buckets).encoded(), to: peer)
            case .sendRecords(let collection, let leaves, let isReply):
                try sendRecords(collection, leaves: leaves, isReply: isReply, to: peer)
            case .adopt(let held, let contexts):
                try store.adoptHeld(held, contexts: contexts, from: peer, now: now)
                followUps += machine.handle(.heldAdopted(held), now: now)
            case .join(let collection, let delta):
                let report = try store.commitReconciliation(
                    delta, collection: collection, from: peer, clock: machine.clock.latest, now: now)
                shell.observe(.reconciled(collection: collection, report))
            case .reject(let rejection):
                followUps += machine.reject(rejection, from: peer)
            }
        }
        return followUps
    }

    /// Sends every record of `collection` in `leaves`, in signed chunks.
    private func sendRecords(_ collection: String, leaves: ClosedRange<UInt16>, isReply: Bool, to peer: NodeID) throws(StoreError) {
        let records = try store.records(collection, inLeaves: leaves)
        let context = try store.workingSet(collection, records: []).context
        // Room for the records once the context, collection name and
        // signature are in: each chunk fits in one message.
        let fixed = RecordCollection(trusted: [:], context: context).encoded().count + collection.utf8.count + 128
        let room = max(machine.configuration.maxMessageBytes - fixed, 1)
        for part in DigestReconciliation.chunks(of: records, covering: leaves, maxRecords: Self.recordsPerChunk, maxBytes: room) {
            var chunk = RecordsChunk(
                collection: collection, leaves: part.leaves,
                payload: RecordCollection(trusted: part.records, context: context).encoded(), isReply: isReply)
            chunk.signature = sign(chunk.signingBytes)
            shell.send(SyncMessage.records(chunk).encoded(), to: peer)
        }
    }

    private func audit(_ event: AuditEvent) {
        do { try store.appendAudit([event]) } catch { shell.observe(.storeFailed(error)) }
    }
}
