// SyncMachine: receiving summaries, batches and records chunks, the reorder window, and admitting batches to the store.

extension SyncMachine {
    mutating func receiveSummary(_ theirs: BatchVector, from peer: NodeID, into actions: inout [SyncAction]) {
        guard var session = peers[peer] else { return }
        session.reported.formUnion(theirs)
        session.known.formUnion(theirs)
        session.inFlight = 0
        session.persistedAcknowledged.formUnion(theirs.intersection(held))
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
    func lacksCompacted(_ theirs: BatchVector) -> Bool {
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

    mutating func receive(_ batch: DeltaBatch, from peer: NodeID, now: UInt64, into actions: inout [SyncAction]) {
        // The peer holds what it sends: remember it beyond the next resend round.
        peers[peer]?.known.insert(origin: batch.origin, sequence: batch.sequence)
        peers[peer]?.reported.insert(origin: batch.origin, sequence: batch.sequence)
        let isHeld = held.contains(origin: batch.origin, sequence: batch.sequence)
        if isHeld || pending.contains(batch.id) {
            counters.duplicateBatches += 1
            actions.append(.dropDuplicate(batch, from: peer, held: isHeld))
            if prunes(duplicate: batch, from: peer) { prune(peer, into: &actions) }
            return
        }
        recentSources[batch.id] = peer
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
        if let violation = FieldOwnership.violation(
            in: delta, collection: batch.collection, writer: batch.origin, owners: configuration.fieldOwners[batch.collection]) {
            reject(.notOwner(batch: batch.id, violation), from: peer, into: &actions)
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
    mutating func receiveRecords(_ chunk: RecordsChunk, from peer: NodeID, now: UInt64, into actions: inout [SyncAction]) {
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

    mutating func admit(_ incoming: PendingBatch, newest: HLCTimestamp, now: UInt64, into actions: inout [SyncAction]) {
        // Within the bound by construction (`admit` or `releaseReady` checked it).
        try? clock.receive(newest, now: now)
        markPending(incoming.batch.id)
        actions.append(.apply(incoming.batch, incoming.delta, from: incoming.source))
    }
}
