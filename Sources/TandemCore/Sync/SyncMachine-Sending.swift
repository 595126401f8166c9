// SyncMachine: the timer, sending summaries and batches (offered from the log, forwarded), and rejections.

extension SyncMachine {
    mutating func timerFired(now: UInt64, into actions: inout [SyncAction]) {
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
            chooseTreeParent(into: &actions)
            for peer in peers.keys.sorted() {
                sendDeltaSummary(to: peer, now: now, force: false, into: &actions)
                persistAcknowledgedIfGrown(by: peer, into: &actions)
                guard var session = peers[peer] else { continue }
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
                    // the way: offer it again. Recent sends may still be in
                    // flight, and batches it lacks only since the last round
                    // may still come by the tree or a fetch: those wait a round.
                    session.known = session.reported
                    session.known.formUnion(session.sentThisRound)
                    session.sentThisRound = BatchVector()
                    session.lastResend = now
                    session.inFlight = 0
                    let stale = session.lackingAtLastResend
                    session.lackingAtLastResend = held
                    session.lackingAtLastResend.subtract(session.known)
                    peers[peer] = session
                    offerMissing(to: peer, onlyAmong: stale, into: &actions)
                }
            }
        }
        requestAnnounced(now: now, into: &actions)
        ageSources(now: now)
        parityTick(now: now, into: &actions)
        actions.append(.scheduleTimer(afterMillis: configuration.summaryIntervalMillis))
    }

    /// Sends `peer` the batches this node holds in its log and the peer
    /// lacks, up to the in-flight bound.
    ///
    /// - Complexity: O(n log n + s log r) for n origins held, r ranges of
    ///   the vectors each sequence is looked up in, and s sequences
    ///   examined: every held sequence above the peer's contiguous prefix of
    ///   its origin, until the budget is filled. Sequences the peer already
    ///   holds above a gap, or that are compacted here, are examined but not
    ///   sent, so s can exceed the budget.
    mutating func offerMissing(to peer: NodeID, onlyAmong candidates: BatchVector? = nil, into actions: inout [SyncAction]) {
        guard var session = peers[peer] else { return }
        if let candidates, candidates.held.isEmpty { return }
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
                    if let candidates, !candidates.contains(origin: origin, sequence: sequence) { continue }
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

    /// Sends a newly held batch to every peer on an eager link (the
    /// broadcast tree) that is not known to hold it, except `source` (it
    /// came from there). Peers on lazy links learn of it from the next
    /// delta summary and fetch it if the tree does not bring it. A link
    /// with a node at one end that has no other (this node has one peer,
    /// or the peer reported this node as its only neighbour) carries
    /// pushes whatever its state: no cycle goes through it, so no copy
    /// can come twice over it.
    ///
    /// - Complexity: O(p log p) for p connected peers (sorted, so the
    ///   actions come in one order on every run).
    mutating func forward(_ batch: DeltaBatch, except source: NodeID?, into actions: inout [SyncAction]) {
        let onlyPeer = peers.count == 1
        for peer in peers.keys.sorted() where peer != source {
            guard var session = peers[peer], session.eager || onlyPeer || session.neighbors == [node],
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

    mutating func reject(_ rejection: SyncRejection, from peer: NodeID, into actions: inout [SyncAction]) {
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
