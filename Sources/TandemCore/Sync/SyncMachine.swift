// SyncMachine: the type, its state, its accessors and the dispatch of each input (`handle`).
/// The sync protocol of one node, as a pure state machine: inputs in,
/// actions out (in the style of swift-cluster-membership's `SWIMInstance`
/// and swift-nio-ssh's connection state machine).
///
/// It holds no sockets, files, clock or random source: time arrives with
/// every input (`now`, wall milliseconds), signature checking is a pure
/// function handed in at creation, and everything that needs I/O (sending,
/// reading the delta log, committing to the store) is an action for the
/// shell. The TCP node and the partition simulator are two shells around
/// this one implementation.
///
/// What it guarantees:
/// - **Broadcast tree** (Plumtree, Leitão et al. 2007). A new batch goes
///   at once to the peers on eager links; the others learn of it from the
///   next delta summary (the lazy announcement) and fetch it (`graft`) if
///   it has not come `summaryIntervalMillis` after. Links start lazy; at
///   its first timer round each node makes the link to its tree parent
///   eager (towards the smallest id within two hops), so the eager links
///   form a forest before the first write and it is not flooded. A batch
///   pushed twice prunes the link it came by the second time (it becomes
///   lazy); a fetch makes its link eager, so the eager links settle into a
///   spanning tree and repair themselves when a link fails.
/// - **Anti-entropy.** On connect each side sends its whole batch vector,
///   and the other sends exactly the batches it lacks, read from the
///   durable delta log; after that, every `summaryIntervalMillis`, only
///   what changed since the last summary the peer acknowledged (nothing
///   when nothing changed). Batches a peer still lacks a whole resend
///   period later are sent again (the backstop behind the tree).
/// - **No back-propagation.** A batch received from a peer is never sent
///   back to it: the peer is recorded as holding it on arrival.
/// - **No redundant sends.** A peer is never sent a batch its summaries or
///   this connection's earlier messages show it holds. A batch that does
///   arrive twice is dropped before any signature check (`dropDuplicate`).
/// - **End-to-end authenticity.** Batches travel intact, never regrouped
///   across origins; each is accepted only from a trusted origin with a
///   valid origin signature and a payload whose new entries all carry the
///   origin's dots, and whose causal context claims only what its origin
///   could have seen (`ContextClaims`, checked by the store against the
///   stored context: a batch claiming another node's writes that have not
///   arrived is applied after them; one claiming this node's unmade writes
///   is refused).
/// - **Durability first.** The batch vector advances only when the shell
///   reports the batch committed; a crash before that loses nothing (the
///   batch is offered again) and applies nothing twice.
/// - **Clock drift.** A batch with timestamps beyond the drift bound is held
///   (not lost, not applied) and applied, in timestamp order, once local time
///   is within the bound; it does not move the local clock until then.
/// - **Reorder window.** Of each origin, only batches within
///   `SyncConfiguration.reorderWindow` of what is held or being applied are
///   taken, so the held vector (and every summary) stays a few ranges per
///   origin whatever order a peer sends in; the rest are refused and
///   offered again once the gap below them has closed.
/// - **Back-pressure.** At most `maxInFlightBatchesPerPeer` batches go to a
///   peer between two of its summaries.
public struct SyncMachine: Sendable {
    /// This node.
    public let node: NodeID
    public let configuration: SyncConfiguration
    /// The origins this node's delta summaries may name (its trusted
    /// origins and itself), by id prefix: the shell decodes with it.
    public let originPrefixes: OriginPrefixes
    /// The batches this node holds durably.
    public private(set) var held: BatchVector
    /// The batches removed from this node's delta log.
    public private(set) var compacted: BatchVector
    /// The node's hybrid logical clock; local writes take their timestamps
    /// from `tick(now:)` so they order after everything received.
    public internal(set) var clock: HybridLogicalClock
    /// Counters of what the machine has done, for metrics.
    public internal(set) var counters = SyncCounters()

    let verify: @Sendable (DeltaBatch) -> Bool
    let verifyRecords: (@Sendable (RecordsChunk, NodeID) -> Bool)?
    var pending: Set<Dot> = []
    /// `held` plus `pending`: what the reorder window is measured from, so
    /// batches taken in one read count before they are committed. Rebuilt
    /// (`admittedIsStale`) when a pending batch leaves without being held.
    var admitted: BatchVector
    var admittedIsStale = false
    var hold: DriftHold<PendingBatch>
    var peers: [NodeID: PeerSyncState] = [:]
    var nextSummaryAt: UInt64 = 0
    /// Parity checks running, by peer (`SyncMachine-Parity.swift`), and the
    /// number of the last check started.
    var parityChecks: [NodeID: PeerParityCheck] = [:]
    var lastParityCheck: UInt64 = 0
    /// Broadcast tree (`SyncMachine-Gossip.swift`): batches peers announced
    /// and this node lacked, by when; those announced long enough ago and
    /// still missing (fetched with `graft`); and which peer first delivered
    /// each recent batch (this period's and the last).
    var announced: [(at: UInt64, dots: BatchVector)] = []
    var overdue = BatchVector()
    var recentSources: [Dot: NodeID] = [:]
    var olderSources: [Dot: NodeID] = [:]
    var sourcesAgedAt: UInt64 = 0
    /// The peer this node made its tree parent (`chooseTreeParent`), or nil.
    var treeParent: NodeID?

    /// Creates the machine of `node`, resuming from what its store holds.
    ///
    /// - Parameters:
    ///   - verify: checks a batch's origin signature over its `signingBytes`.
    public init(
        node: NodeID, configuration: SyncConfiguration, held: BatchVector, compacted: BatchVector,
        clock: HybridLogicalClock, verify: @escaping @Sendable (DeltaBatch) -> Bool,
        verifyRecords: (@Sendable (RecordsChunk, NodeID) -> Bool)? = nil
    ) {
        self.verifyRecords = verifyRecords
        self.node = node
        self.configuration = configuration
        originPrefixes = OriginPrefixes(configuration.trustedOrigins.union([node]))
        self.held = held
        self.admitted = held
        self.compacted = compacted
        self.clock = clock
        self.verify = verify
        hold = DriftHold(bounds: configuration.driftHold)
    }

    /// The peers with an open session.
    public var connectedPeers: [NodeID] { peers.keys.sorted() }

    /// The number of batches waiting in the drift hold.
    public var heldForClockSkew: Int { hold.count }

    /// What this node believes `peer` holds (its summaries plus what was
    /// sent to it on this connection), or nil when not connected.
    public func knownHeld(by peer: NodeID) -> BatchVector? { peers[peer]?.known }

    /// The timestamp for a local write at wall time `now`.
    public mutating func tick(now: UInt64) -> HLCTimestamp { clock.tick(now: now) }

    /// Starts the periodic timer. Its first tick comes after one interval
    /// plus a phase taken from the node's id (under one interval), so
    /// nodes started together do not tick together: of the nodes that
    /// would fetch one batch at the same tick, the first one's fetch
    /// usually reaches the others over the tree before they ask too.
    public mutating func start(now: UInt64) -> [SyncAction] {
        let interval = configuration.summaryIntervalMillis
        let first = interval &+ OriginPrefixes.prefix(of: node) % max(interval, 1)
        nextSummaryAt = now &+ first
        return [.scheduleTimer(afterMillis: first)]
    }

    /// Handles one input at wall time `now` and returns what to do.
    public mutating func handle(_ input: SyncInput, now: UInt64) -> [SyncAction] {
        var actions: [SyncAction] = []
        switch input {
        case .peerConnected(let peer):
            peers[peer] = PeerSyncState(now: now)
            sendDeltaSummary(to: peer, now: now, force: true, into: &actions)
        case .peerDisconnected(let peer):
            peers[peer] = nil
            finishParityCheck(with: peer, .unreachable, now: now, into: &actions)
        case .received(let message, let peer):
            guard peers[peer] != nil else { break }
            switch message {
            case .summary(let theirs, _, let neighbors):
                // Only trusted origins' batches are kept, within a range
                // budget; only those this node holds too are persisted. A
                // summary naming invented origins costs its size once, and
                // nothing after.
                let relevant = theirs.restricted(to: configuration.trustedOrigins.union([node]))
                guard relevant.rangeCount <= configuration.maxSummaryRanges else {
                    reject(.oversizedSummary(ranges: relevant.rangeCount, limit: configuration.maxSummaryRanges),
                           from: peer, into: &actions)
                    break
                }
                peers[peer]?.neighbors = Set(neighbors)
                receiveSummary(relevant, from: peer, into: &actions)
                announce(relevant, now: now)
            case .summaryDelta(let delta):
                receiveDeltaSummary(delta, from: peer, now: now, into: &actions)
            case .prune:
                peers[peer]?.eager = false
                counters.prunesReceived += 1
            case .graft(let wanted):
                receiveGraft(wanted, from: peer, into: &actions)
            case .batches(let batches):
                guard batches.count <= configuration.maxBatchesPerReceivedMessage else {
                    reject(.tooManyBatches(count: batches.count, limit: configuration.maxBatchesPerReceivedMessage),
                           from: peer, into: &actions)
                    break
                }
                for batch in batches { receive(batch, from: peer, now: now, into: &actions) }
            case .stateDigest(let theirs, _):
                if acceptsState(from: peer) {
                    actions.append(.reconcile(message, from: peer, peerIsStateSource: true))
                } else if theirs == held {
                    // The same batches: only compared, to detect divergence.
                    actions.append(.reconcile(message, from: peer, peerIsStateSource: false))
                } else {
                    reject(.untrustedStateSource(message: "state digest"), from: peer, into: &actions)
                }
            case .bucketDigests:
                actions.append(.reconcile(message, from: peer, peerIsStateSource: acceptsState(from: peer)))
            case .records(let chunk):
                if !acceptsState(from: peer) {
                    reject(.untrustedStateSource(message: "records chunk"), from: peer, into: &actions)
                } else if verifyRecords?(chunk, peer) == true {
                    counters.recordsChunksReceived += 1
                    receiveRecords(chunk, from: peer, now: now, into: &actions)
                } else {
                    reject(.badRecordsSignature, from: peer, into: &actions)
                }
            case .parityRequest(let check, let theirs, let roots):
                actions.append(.answerParity(check: check, held: theirs, roots: roots, from: peer,
                                             peerIsStateSource: acceptsState(from: peer)))
            case .parityReply(let check, let theirs, let roots, let repaired, let drilling):
                receiveParityReply(check: check, held: theirs, roots: roots, repaired: repaired, drilling: drilling,
                                   from: peer, now: now, into: &actions)
            }
        case .localBatchCommitted(let batch):
            held.insert(origin: batch.origin, sequence: batch.sequence)
            admitted.insert(origin: batch.origin, sequence: batch.sequence)
            counters.localBatches += 1
            forward(batch, except: nil, into: &actions)
        case .batchCommitted(let batch, let source, let applied):
            pending.remove(batch.id)
            held.insert(origin: batch.origin, sequence: batch.sequence)
            admitted.insert(origin: batch.origin, sequence: batch.sequence)
            if applied { counters.appliedBatches += 1 } else { counters.duplicateBatches += 1 }
            forward(batch, except: source, into: &actions)
        case .batchCommitFailed(let batch, _):
            pending.remove(batch.id)
            admittedIsStale = true
            counters.failedCommits += 1
        case .batchRefused(let batch, let source, let violation):
            pending.remove(batch.id)
            admittedIsStale = true
            let peer = source ?? node
            switch violation {
            case .receiverDots:
                reject(.forgedContext(batch: batch.id, violation), from: peer, into: &actions)
            case .unseenDots:
                counters.deferredBatches += 1
                actions.append(.deferForCausality(batch: batch.id, violation, from: peer))
            }
        case .timerFired:
            timerFired(now: now, into: &actions)
        case .logCompacted(let vector):
            compacted.formUnion(vector)
        case .heldAdopted(let vector):
            var notLogged = vector
            notLogged.subtract(held)
            compacted.formUnion(notLogged)
            held.formUnion(vector)
            admitted.formUnion(vector)
            counters.reconciliationsCompleted += 1
        case .checkParity(let peer, let timeout):
            startParityCheck(with: peer, timeoutMillis: timeout, now: now, into: &actions)
        case .parityRequestSent(let peer, let check, let vector, let roots):
            guard parityChecks[peer]?.check == check else { break }
            parityChecks[peer]?.requestHeld = vector
            parityChecks[peer]?.requestRoots = roots
        }
        return actions
    }

    /// Whether `batch` comes from a trusted origin and carries its valid
    /// signature (for the shell's equivocation check on a duplicate).
    public func verifies(_ batch: DeltaBatch) -> Bool {
        configuration.trustedOrigins.contains(batch.origin) && verify(batch)
    }

    /// Whether this node takes reconciled state (digests it may adopt,
    /// records it joins) from `peer`: `SyncConfiguration.stateSources`.
    public func acceptsState(from peer: NodeID) -> Bool {
        configuration.stateSources.contains(peer)
    }
}
