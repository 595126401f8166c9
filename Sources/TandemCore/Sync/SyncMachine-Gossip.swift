// SyncMachine: the broadcast tree (eager and lazy links, prune, graft, fetching announced batches) and delta summaries.

extension SyncMachine {
    // MARK: Delta summaries

    /// Sends `peer` what this node came to hold since the last summary the
    /// peer acknowledged (with the acknowledgement of the peer's own), when
    /// it changed since the last one sent, when the last one is
    /// `resendAfterMillis` old and still not acknowledged, or when `force`d
    /// (a new session). Otherwise, a bare acknowledgement if one is owed,
    /// or nothing: a quiet mesh sends no summaries.
    mutating func sendDeltaSummary(to peer: NodeID, now: UInt64, force: Bool, into actions: inout [SyncAction]) {
        guard var session = peers[peer] else { return }
        var added = held
        added.subtract(session.acknowledgedBase)
        let neighbors = connectedPeers
        let neighborsDue = session.acknowledgedNeighbors != neighbors
        let hasContent = !added.held.isEmpty || neighborsDue
        let changed = added != session.lastAdded || (neighborsDue && session.lastNeighbors != neighbors)
        let repeatDue = now &- session.lastSummaryAt >= configuration.resendAfterMillis
        if force || (hasContent && (changed || repeatDue)) {
            session.sentNumber += 1
            let sentNeighbors = neighborsDue || force ? neighbors : nil
            session.awaitingAcknowledgement.append(.init(number: session.sentNumber, held: held, neighbors: sentNeighbors))
            if session.awaitingAcknowledgement.count > 8 { session.awaitingAcknowledgement.removeFirst() }
            session.lastAdded = added
            session.lastNeighbors = sentNeighbors
            session.lastSummaryAt = now
            session.acknowledgementOwed = false
            peers[peer] = session
            actions.append(.send(.summaryDelta(SummaryDelta(
                number: session.sentNumber, acknowledging: session.receivedNumber, added: added, neighbors: sentNeighbors)),
                to: peer))
        } else if session.acknowledgementOwed {
            session.acknowledgementOwed = false
            peers[peer] = session
            actions.append(.send(.summaryDelta(SummaryDelta(number: 0, acknowledging: session.receivedNumber)), to: peer))
        }
    }

    /// Takes a peer's delta summary: its acknowledgement advances what the
    /// peer is known to have learnt of this node; its content joins what
    /// the peer holds (kept only for trusted origins, within the range
    /// budget once joined), is persisted for compaction, and is an
    /// announcement this node fetches from if the batches do not come.
    mutating func receiveDeltaSummary(_ delta: SummaryDelta, from peer: NodeID, now: UInt64, into actions: inout [SyncAction]) {
        guard var session = peers[peer] else { return }
        let relevant = delta.added.restricted(to: configuration.trustedOrigins.union([node]))
        var reported = session.reported
        reported.formUnion(relevant)
        guard reported.rangeCount <= configuration.maxSummaryRanges else {
            reject(.oversizedSummary(ranges: reported.rangeCount, limit: configuration.maxSummaryRanges), from: peer, into: &actions)
            return
        }
        if delta.acknowledging > 0 {
            if let sent = session.awaitingAcknowledgement.first(where: { $0.number == delta.acknowledging }) {
                session.acknowledgedBase.formUnion(sent.held)
                if let neighbors = sent.neighbors { session.acknowledgedNeighbors = neighbors }
            }
            session.awaitingAcknowledgement.removeAll { $0.number <= delta.acknowledging }
        }
        guard !delta.isAcknowledgementOnly else {
            peers[peer] = session
            return
        }
        session.reported = reported
        session.known.formUnion(relevant)
        session.inFlight = 0
        if delta.number > session.receivedNumber {
            session.receivedNumber = delta.number
            if let neighbors = delta.neighbors { session.neighbors = Set(neighbors) }
        }
        session.acknowledgementOwed = true
        let first = !session.summaryReceived
        session.summaryReceived = true
        session.persistedAcknowledged = reported.intersection(held)
        peers[peer] = session
        announce(relevant, now: now)
        actions.append(.persistAcknowledged(session.persistedAcknowledged, by: peer))
        // A new session: what the peer lacks goes now (as with a full summary).
        if first { offerMissing(to: peer, into: &actions) }
        if lacksCompacted(reported) {
            counters.reconciliationsStarted += 1
            actions.append(.sendStateDigest(to: peer))
        }
    }

    /// Persists what `peer` holds of this node's batches (`reported`: its
    /// summaries on this session and the batches it sent, intersected with
    /// what is held here) when that grew since it was last persisted. A
    /// summary persists it when it arrives, but batches it named that
    /// arrive here after it count only from here: with delta summaries a
    /// quiet mesh sends no further summary that would persist them, and the
    /// peer would stay "behind" (and block compaction) for good.
    mutating func persistAcknowledgedIfGrown(by peer: NodeID, into actions: inout [SyncAction]) {
        guard var session = peers[peer] else { return }
        let acknowledged = session.reported.intersection(held)
        guard acknowledged != session.persistedAcknowledged else { return }
        session.persistedAcknowledged = acknowledged
        peers[peer] = session
        actions.append(.persistAcknowledged(acknowledged, by: peer))
    }

    // MARK: Broadcast tree

    /// Makes the link to this node's tree parent eager and tells the
    /// parent (a `graft` asking for nothing), when the parent changed (a
    /// connection came or went, or a peer's neighbours did). The link to
    /// a previous parent stays as it is: if it now closes a cycle, a
    /// duplicate prunes it (pruning it at once cost more duplicates in
    /// `tandem-sim`, the trees being cut while fetches joined them).
    ///
    /// The parent leads towards the smallest node id within two hops
    /// (this node, its peers and the neighbours they reported): that node
    /// itself if it is a peer, else the smallest peer linked to it; a node
    /// that is the smallest within its two hops has none. Along parents
    /// that smallest id never grows and, when it stays, the distance to it
    /// shrinks, so the eager links form a forest without cycles before
    /// any write: the first writes are not flooded. Fetches join its
    /// trees, and a duplicate pushed over a cycle prunes a link as before.
    mutating func chooseTreeParent(into actions: inout [SyncAction]) {
        let best = treeParentCandidate()
        guard best != treeParent else { return }

        treeParent = best
        guard let best, var session = peers[best] else { return }
        session.eager = true
        peers[best] = session
        counters.graftsSent += 1
        actions.append(.send(.graft(wanted: BatchVector()), to: best))
    }

    /// The peer leading towards the smallest id within two hops, or nil
    /// when this node is that smallest id (or has no peer).
    func treeParentCandidate() -> NodeID? {
        var smallest = node
        for (peer, session) in peers {
            smallest = min(smallest, peer)
            if let least = session.neighbors.min() { smallest = min(smallest, least) }
        }
        if smallest == node { return nil }
        if peers[smallest] != nil { return smallest }
        return peers.filter { $0.value.neighbors.contains(smallest) }.keys.min()
    }

    /// Notes batches a peer announced (a summary); those still missing
    /// `summaryIntervalMillis` later are fetched (`requestAnnounced`).
    mutating func announce(_ vector: BatchVector, now: UInt64) {
        var missing = vector
        missing.subtract(admittedVector)
        guard !missing.held.isEmpty else { return }
        announced.append((at: now, dots: missing))
    }

    /// Whether a duplicate of `batch` from `peer` should prune the link: it
    /// came by eager push (the link is eager, this node did not ask the
    /// peer for it) and an earlier copy came another way (not the network
    /// repeating one message).
    func prunes(duplicate batch: DeltaBatch, from peer: NodeID) -> Bool {
        guard let session = peers[peer], session.eager,
              !session.requested.contains(origin: batch.origin, sequence: batch.sequence) else { return false }
        let first = recentSources[batch.id] ?? olderSources[batch.id]
        return first != peer
    }

    /// Makes the link to `peer` lazy and tells the peer.
    mutating func prune(_ peer: NodeID, into actions: inout [SyncAction]) {
        peers[peer]?.eager = false
        counters.prunesSent += 1
        actions.append(.send(.prune, to: peer))
    }

    /// A peer asked for batches (`graft`): the link becomes eager, and the
    /// batches asked for that this node holds in its log go, up to the
    /// in-flight bound (the peer asks again for the rest).
    mutating func receiveGraft(_ wanted: BatchVector, from peer: NodeID, into actions: inout [SyncAction]) {
        let relevant = wanted.restricted(to: configuration.trustedOrigins.union([node]))
        guard relevant.rangeCount <= configuration.maxSummaryRanges else {
            reject(.oversizedSummary(ranges: relevant.rangeCount, limit: configuration.maxSummaryRanges), from: peer, into: &actions)
            return
        }
        guard var session = peers[peer] else { return }
        session.eager = true
        counters.graftsReceived += 1
        let budget = configuration.maxInFlightBatchesPerPeer - session.inFlight
        guard budget > 0 else {
            peers[peer] = session
            return
        }
        var sendable = relevant.intersection(held)
        sendable.subtract(compacted)
        let ids = sendable.firstDots(budget)
        for id in ids {
            session.known.insert(origin: id.node, sequence: id.counter)
            session.sentThisRound.insert(origin: id.node, sequence: id.counter)
        }
        session.inFlight += ids.count
        peers[peer] = session
        guard !ids.isEmpty else { return }
        counters.batchesSent += ids.count
        actions.append(.sendFromLog(ids: ids, to: peer, maxPerMessage: configuration.maxBatchesPerMessage))
    }

    /// Fetches announced batches that have not arrived: each from one peer
    /// that holds it (one that has not left a request for it unanswered
    /// first), at most `maxInFlightBatchesPerPeer` per peer; a request not
    /// answered within `resendAfterMillis` is made again, elsewhere if it can.
    mutating func requestAnnounced(now: UInt64, into actions: inout [SyncAction]) {
        let admitted = admittedVector
        for peer in peers.keys.sorted() {
            // What arrived no longer counts against the peer's request budget.
            guard var session = peers[peer], !session.requested.held.isEmpty else { continue }
            session.requested.subtract(admitted)
            peers[peer] = session
            guard !session.requested.held.isEmpty, now &- session.requestedAt >= configuration.resendAfterMillis else { continue }
            session.unanswered = session.requested
            session.unanswered.subtract(admitted)
            session.requested = BatchVector()
            peers[peer] = session
        }
        var due: [(at: UInt64, dots: BatchVector)] = []
        for entry in announced {
            if now &- entry.at >= configuration.summaryIntervalMillis {
                overdue.formUnion(entry.dots)
            } else {
                due.append(entry)
            }
        }
        announced = due
        overdue.subtract(admitted)
        guard !overdue.held.isEmpty else { return }
        var wanted = overdue
        for session in peers.values { wanted.subtract(session.requested) }
        guard !wanted.held.isEmpty else { return }
        // Eager peers first (tree links), then the rest; a peer that left a
        // request for a batch unanswered only if no other holds it.
        let order = peers.keys.sorted().sorted { (peers[$0]?.eager ?? false) && !(peers[$1]?.eager ?? false) }
        for avoidUnanswered in [true, false] {
            for peer in order {
                guard var session = peers[peer], !wanted.held.isEmpty else { continue }
                var ask = wanted.intersection(session.reported)
                if avoidUnanswered { ask.subtract(session.unanswered) }
                let budget = configuration.maxInFlightBatchesPerPeer - session.requested.dotCount
                guard budget > 0, !ask.held.isEmpty else { continue }
                let ids = ask.firstDots(budget)
                guard !ids.isEmpty else { continue }
                var request = BatchVector()
                for id in ids { request.insert(origin: id.node, sequence: id.counter) }
                wanted.subtract(request)
                session.requested.formUnion(request)
                session.requestedAt = now
                session.eager = true
                peers[peer] = session
                counters.graftsSent += 1
                actions.append(.send(.graft(wanted: request), to: peer))
            }
        }
    }

    /// `held` plus the batches on their way to the store.
    var admittedVector: BatchVector {
        var vector = held
        for id in pending { vector.insert(origin: id.node, sequence: id.counter) }
        return vector
    }

    /// Forgets which peer first delivered batches received over a resend
    /// period ago (kept to tell a pushed duplicate from a repeated message).
    mutating func ageSources(now: UInt64) {
        guard now &- sourcesAgedAt >= configuration.resendAfterMillis else { return }
        olderSources = recentSources
        recentSources = [:]
        sourcesAgedAt = now
    }
}

extension BatchVector {
    /// The first `count` batches, by origin then sequence.
    func firstDots(_ count: Int) -> [Dot] {
        var ids: [Dot] = []
        guard count > 0 else { return ids }
        for (origin, dots) in held.nodes.sorted(by: { $0.key < $1.key }) {
            for range in dots.ranges {
                for sequence in range {
                    ids.append(Dot(node: origin, counter: sequence))
                    if ids.count >= count { return ids }
                }
            }
        }
        return ids
    }

    /// How many batches the vector holds.
    var dotCount: Int { Int(clamping: held.dotCount) }
}
