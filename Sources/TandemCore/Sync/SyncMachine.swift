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
/// - **Anti-entropy.** On connect and every `summaryIntervalMillis`, each
///   side sends its batch vector; each then sends exactly the batches the
///   other lacks, read from the durable delta log.
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
    /// The batches this node holds durably.
    public private(set) var held: BatchVector
    /// The batches removed from this node's delta log.
    public private(set) var compacted: BatchVector
    /// The node's hybrid logical clock; local writes take their timestamps
    /// from `tick(now:)` so they order after everything received.
    public private(set) var clock: HybridLogicalClock
    /// Counters of what the machine has done, for metrics.
    public private(set) var counters = SyncCounters()

    private let verify: @Sendable (DeltaBatch) -> Bool
    private let verifyRecords: (@Sendable (RecordsChunk, NodeID) -> Bool)?
    private var pending: Set<Dot> = []
    /// `held` plus `pending`: what the reorder window is measured from, so
    /// batches taken in one read count before they are committed. Rebuilt
    /// (`admittedIsStale`) when a pending batch leaves without being held.
    private var admitted: BatchVector
    private var admittedIsStale = false
    private var hold: DriftHold<PendingBatch>
    private var peers: [NodeID: PeerSession] = [:]
    private var nextSummaryAt: UInt64 = 0

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

    /// Starts the periodic timer.
    public mutating func start(now: UInt64) -> [SyncAction] {
        nextSummaryAt = now &+ configuration.summaryIntervalMillis
        return [.scheduleTimer(afterMillis: configuration.summaryIntervalMillis)]
    }

    /// Handles one input at wall time `now` and returns what to do.
    public mutating func handle(_ input: SyncInput, now: UInt64) -> [SyncAction] {
        var actions: [SyncAction] = []
        switch input {
        case .peerConnected(let peer):
            peers[peer] = PeerSession(now: now)
            sendSummary(to: peer, now: now, into: &actions)
        case .peerDisconnected(let peer):
            peers[peer] = nil
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

    // MARK: Inputs

    private var summary: SyncMessage { .summary(held: held, compacted: compacted, neighbors: connectedPeers) }

    private mutating func receiveSummary(_ theirs: BatchVector, from peer: NodeID, into actions: inout [SyncAction]) {
        guard var session = peers[peer] else { return }
        session.reported.formUnion(theirs)
        session.known.formUnion(theirs)
        session.inFlight = 0
        peers[peer] = session
        actions.append(.persistAcknowledged(theirs.intersection(held), by: peer))
        offerMissing(to: peer, into: &actions)
        if lacksCompacted(theirs) {
            counters.reconciliationsStarted += 1
            actions.append(.sendStateDigest(to: peer))
        }
    }

    /// Whether a peer holding `theirs` lacks a batch this node can no longer
    /// send from its log.
    private func lacksCompacted(_ theirs: BatchVector) -> Bool {
        for (origin, dots) in compacted.held.nodes {
            let mine = theirs.held.nodes[origin]
            var ranges: [ClosedRange<UInt64>] = dots.prefix > 0 ? [1...dots.prefix] : []
            ranges += dots.cloud
            for range in ranges {
                let start = max(range.lowerBound, (mine?.prefix ?? 0) &+ 1)
                guard start <= range.upperBound else { continue }
                guard let mine else { return true }
                // A range fully inside `mine`'s cloud is held; anything else is not.
                if !mine.cloud.contains(where: { $0.lowerBound <= start && $0.upperBound >= range.upperBound }) { return true }
            }
        }
        return false
    }

    private mutating func receive(_ batch: DeltaBatch, from peer: NodeID, now: UInt64, into actions: inout [SyncAction]) {
        // The peer holds what it sends: remember it beyond the next resend round.
        peers[peer]?.known.insert(origin: batch.origin, sequence: batch.sequence)
        peers[peer]?.reported.insert(origin: batch.origin, sequence: batch.sequence)
        let isHeld = held.contains(origin: batch.origin, sequence: batch.sequence)
        if isHeld || pending.contains(batch.id) {
            counters.duplicateBatches += 1
            actions.append(.dropDuplicate(batch, from: peer, held: isHeld))
            return
        }
        guard configuration.trustedOrigins.contains(batch.origin) else {
            reject(.untrustedOrigin(batch: batch.id), from: peer, into: &actions)
            return
        }
        // Before the signature check: a flood of far-ahead batches costs no verification.
        if let excess = reorderExcess(of: batch) {
            reject(.beyondReorderWindow(batch: batch.id, excess), from: peer, into: &actions)
            return
        }
        guard verify(batch) else {
            reject(.badSignature(batch: batch.id), from: peer, into: &actions)
            return
        }
        let delta: RecordCollection
        do {
            delta = try batch.delta(limits: configuration.limits)
        } catch {
            reject(.malformedBatch(batch: batch.id, error), from: peer, into: &actions)
            return
        }
        let incoming = PendingBatch(batch: batch, delta: delta, source: peer)
        guard let newest = delta.maxTimestamp else {
            markPending(batch.id)
            actions.append(.apply(batch, delta, from: peer))
            return
        }
        switch hold.admit(incoming, timestamp: newest, clock: clock, now: now, bytes: batch.payload.count, origin: batch.origin) {
        case .accepted:
            admit(incoming, newest: newest, now: now, into: &actions)
        case .held(let drift):
            markPending(batch.id)
            counters.heldForClockSkew += 1
            actions.append(.holdForClockSkew(batch: batch.id, drift, from: peer))
        case .refused(let drift):
            reject(.clockSkewHoldFull(batch: batch.id, drift), from: peer, into: &actions)
        case .beyondHorizon(let drift):
            reject(.clockSkewBeyondHorizon(batch: batch.id, drift, horizonMillis: hold.bounds.horizonMillis),
                   from: peer, into: &actions)
        }
    }

    /// A verified records chunk from a state source: decoded, checked to
    /// hold only records of its leaves, and held to the drift bound like a
    /// batch; once taken, its newest timestamp advances the clock, so a
    /// local write is stamped after every entry this node holds.
    private mutating func receiveRecords(_ chunk: RecordsChunk, from peer: NodeID, now: UInt64, into actions: inout [SyncAction]) {
        let theirs: RecordCollection
        do {
            theirs = try RecordCollection(decoding: chunk.payload, limits: configuration.limits)
        } catch {
            reject(.malformedMessage(error), from: peer, into: &actions)
            return
        }
        if let outside = theirs.records.keys.first(where: { !chunk.leaves.contains(DigestReconciliation.leaf(of: $0)) }) {
            reject(.recordsOutsideLeaves(collection: chunk.collection, record: outside), from: peer, into: &actions)
            return
        }
        if let newest = theirs.maxTimestamp {
            do throws(CoreError) {
                try clock.check(newest, now: now)
            } catch {
                let drift = ClockDrift(remote: newest, localWallMillis: now, maxOffsetMillis: clock.maxOffsetMillis)
                let endOfTime = if case .timestampNearEndOfTime = error { true } else { false }
                if endOfTime || drift.aheadMillis > configuration.driftHold.horizonMillis {
                    reject(.recordsBeyondHorizon(collection: chunk.collection, drift, horizonMillis: configuration.driftHold.horizonMillis),
                           from: peer, into: &actions)
                } else {
                    counters.heldForClockSkew += 1
                    actions.append(.deferRecordsForClockSkew(collection: chunk.collection, drift, from: peer))
                }
                return
            }
            try? clock.receive(newest, now: now)
        }
        actions.append(.reconcileRecords(chunk, theirs: theirs, from: peer))
    }

    /// Why `batch` lies outside its origin's reorder window, or nil.
    private mutating func reorderExcess(of batch: DeltaBatch) -> ReorderWindowExcess? {
        if admittedIsStale {
            admitted = held
            for id in pending { admitted.insert(origin: id.node, sequence: id.counter) }
            admittedIsStale = false
        }
        return configuration.reorderWindow.excess(of: batch.sequence, into: admitted.held.nodes[batch.origin])
    }

    /// Records `id` as on its way to the store.
    private mutating func markPending(_ id: Dot) {
        pending.insert(id)
        admitted.insert(origin: id.node, sequence: id.counter)
    }

    private mutating func admit(_ incoming: PendingBatch, newest: HLCTimestamp, now: UInt64, into actions: inout [SyncAction]) {
        // Within the bound by construction (`admit` or `releaseReady` checked it).
        try? clock.receive(newest, now: now)
        markPending(incoming.batch.id)
        actions.append(.apply(incoming.batch, incoming.delta, from: incoming.source))
    }

    private mutating func timerFired(now: UInt64, into actions: inout [SyncAction]) {
        for released in hold.releaseReady(clock: clock, now: now) {
            pending.remove(released.batch.id)
            if let newest = released.delta.maxTimestamp {
                admit(released, newest: newest, now: now, into: &actions)
            } else {
                admittedIsStale = true
            }
        }
        if nextSummaryAt > now &+ 2 &* configuration.summaryIntervalMillis {
            // The wall clock stepped back: do not go quiet for the size of the step.
            nextSummaryAt = now
        }
        if now >= nextSummaryAt {
            nextSummaryAt = now &+ configuration.summaryIntervalMillis
            for peer in peers.keys.sorted() {
                guard var session = peers[peer] else { continue }
                // A summary goes out when it says something new, and at least
                // every `resendAfterMillis` as a keep-alive of anti-entropy.
                if session.lastSummary != summary || now &- session.lastSummaryAt >= configuration.resendAfterMillis {
                    sendSummary(to: peer, now: now, into: &actions)
                }
                session = peers[peer] ?? session
                if configuration.stateCheckIntervalMillis > 0, session.reported == held,
                   now &- session.lastStateCheck >= configuration.stateCheckIntervalMillis {
                    // Same batches: the states must be equal too; the peer
                    // compares and reports any difference.
                    peers[peer]?.lastStateCheck = now
                    actions.append(.sendStateDigest(to: peer))
                }
                if lacksCompacted(session.reported) {
                    // Reconciliation in progress: check again each round, until
                    // the peer's state equals ours and it adopts our vector.
                    actions.append(.sendStateDigest(to: peer))
                }
                if now &- session.lastResend >= configuration.resendAfterMillis {
                    // What the peer has still not reported, and was sent before
                    // the last resend round, was lost with a connection or on
                    // the way: offer it again. Recent sends may still be in flight.
                    session.known = session.reported
                    session.known.formUnion(session.sentThisRound)
                    session.sentThisRound = BatchVector()
                    session.lastResend = now
                    session.inFlight = 0
                    peers[peer] = session
                    offerMissing(to: peer, into: &actions)
                }
            }
        }
        actions.append(.scheduleTimer(afterMillis: configuration.summaryIntervalMillis))
    }

    // MARK: Sending

    private mutating func sendSummary(to peer: NodeID, now: UInt64, into actions: inout [SyncAction]) {
        let message = summary
        peers[peer]?.lastSummary = message
        peers[peer]?.lastSummaryAt = now
        actions.append(.send(message, to: peer))
    }

    /// Sends `peer` the batches this node holds in its log and the peer
    /// lacks, up to the in-flight bound.
    private mutating func offerMissing(to peer: NodeID, into actions: inout [SyncAction]) {
        guard var session = peers[peer] else { return }
        let budget = configuration.maxInFlightBatchesPerPeer - session.inFlight
        guard budget > 0 else { return }
        var ids: [Dot] = []
        outer: for (origin, dots) in held.held.nodes.sorted(by: { $0.key < $1.key }) {
            let theirs = session.known.held.nodes[origin]
            var ranges: [ClosedRange<UInt64>] = dots.prefix > 0 ? [1...dots.prefix] : []
            ranges += dots.cloud
            for range in ranges {
                let start = max(range.lowerBound, (theirs?.prefix ?? 0) &+ 1)
                guard start <= range.upperBound else { continue }
                // The origin serves its own neighbours.
                if origin != node && session.neighbors.contains(origin) { continue }
                for sequence in start...range.upperBound {
                    let id = Dot(node: origin, counter: sequence)
                    if theirs?.contains(sequence) == true || compacted.held.contains(id) { continue }
                    ids.append(id)
                    if ids.count >= budget { break outer }
                }
            }
        }
        guard !ids.isEmpty else { return }
        for id in ids {
            session.known.insert(origin: id.node, sequence: id.counter)
            session.sentThisRound.insert(origin: id.node, sequence: id.counter)
        }
        session.inFlight += ids.count
        peers[peer] = session
        counters.batchesSent += ids.count
        actions.append(.sendFromLog(ids: ids, to: peer, maxPerMessage: configuration.maxBatchesPerMessage))
    }

    /// Sends a newly held batch to every connected peer that lacks it,
    /// except `source` (it came from there) and, for a batch this node
    /// relays, peers connected to its origin (the origin sends it to them
    /// itself; if that copy is lost, their next summary brings it).
    private mutating func forward(_ batch: DeltaBatch, except source: NodeID?, into actions: inout [SyncAction]) {
        for peer in peers.keys.sorted() where peer != source {
            guard var session = peers[peer],
                  batch.origin == node || !session.neighbors.contains(batch.origin),
                  !session.known.contains(origin: batch.origin, sequence: batch.sequence),
                  session.inFlight < configuration.maxInFlightBatchesPerPeer
            else { continue }
            session.known.insert(origin: batch.origin, sequence: batch.sequence)
            session.sentThisRound.insert(origin: batch.origin, sequence: batch.sequence)
            session.inFlight += 1
            peers[peer] = session
            counters.batchesSent += 1
            actions.append(.send(.batches([batch]), to: peer))
        }
    }

    private mutating func reject(_ rejection: SyncRejection, from peer: NodeID, into actions: inout [SyncAction]) {
        counters.rejected[rejection.reason, default: 0] += 1
        actions.append(.reject(rejection, from: peer))
    }

    /// Reports that a message from `peer` could not be decoded (the shell
    /// decodes bytes; the refusal is counted here like any other).
    public mutating func rejectMalformedMessage(_ error: DecodingError, from peer: NodeID) -> [SyncAction] {
        reject(.malformedMessage(error), from: peer)
    }

    /// Reports a refusal the shell's reconciliation step decided
    /// (`ReconciliationStep`), counted here like any other.
    public mutating func reject(_ rejection: SyncRejection, from peer: NodeID) -> [SyncAction] {
        var actions: [SyncAction] = []
        reject(rejection, from: peer, into: &actions)
        return actions
    }
}

/// A verified batch on its way to the store (or waiting in the drift hold).
struct PendingBatch: Sendable {
    var batch: DeltaBatch
    var delta: RecordCollection
    var source: NodeID
}

/// One connected peer, as the machine sees it.
struct PeerSession: Sendable {
    /// Batches the peer holds (its summaries) or was sent on this connection.
    var known = BatchVector()
    /// The union of the peer's summaries.
    var reported = BatchVector()
    /// Batches sent since its last summary.
    var inFlight = 0
    /// The nodes it reported being connected to.
    var neighbors: Set<NodeID> = []
    /// Batches sent since the last resend round.
    var sentThisRound = BatchVector()
    /// The last summary sent to it, and when.
    var lastSummary: SyncMessage?
    var lastSummaryAt: UInt64 = 0
    /// When unreported batches were last offered again.
    var lastResend: UInt64
    /// When this node last sent the peer a state digest to compare.
    var lastStateCheck: UInt64

    init(now: UInt64) {
        lastResend = now
        lastStateCheck = now
    }
}

/// What a sync machine has done, for metrics.
public struct SyncCounters: Hashable, Sendable {
    public var localBatches = 0
    public var appliedBatches = 0
    /// Batches received that were already held (redundant receptions).
    public var duplicateBatches = 0
    public var batchesSent = 0
    public var heldForClockSkew = 0
    /// Batches not applied yet because their context claims writes that
    /// had not arrived (`SyncAction.deferForCausality`).
    public var deferredBatches = 0
    public var failedCommits = 0
    public var reconciliationsStarted = 0
    public var reconciliationsCompleted = 0
    public var recordsChunksReceived = 0
    /// Refusals by `SyncRejection.reason`.
    public var rejected: [String: Int] = [:]
}
