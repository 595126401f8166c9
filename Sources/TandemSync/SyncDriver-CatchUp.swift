import TandemCore
import TandemStore

/// Catch-up progress (`CatchUpProgress`): what a state source's digests say
/// is missing here, and what its records chunks have brought so far.
extension SyncDriver {
    /// A `stateDigest` from state source `peer` showed `missing` records
    /// beyond this node's: starts a catch-up, re-measures one under way, or
    /// ends it (reported once more, finished) when nothing is missing.
    mutating func noteDigest(from peer: NodeID, missing: UInt64, now: UInt64) {
        if var progress = catchUps[peer] {
            progress.nowMillis = now
            progress.remainingRecords = missing
            if missing == 0 {
                progress.finished = true
                catchUps[peer] = nil
            } else {
                catchUps[peer] = progress
            }
            shell.observe(.catchingUp(progress))
        } else if missing > 0 {
            let progress = CatchUpProgress(
                peer: peer, startedAtMillis: now, nowMillis: now, expectedRecords: missing, remainingRecords: missing)
            catchUps[peer] = progress
            shell.observe(.catchingUp(progress))
        }
    }

    /// Counts the bytes of a records chunk from `peer` during its catch-up.
    mutating func countCatchUpBytes(of message: SyncMessage, _ count: Int, peer: NodeID) {
        guard case .records = message, catchUps[peer] != nil else { return }
        catchUps[peer]?.receivedBytes += UInt64(count)
    }

    /// Counts the records a join from `peer` brought, and reports progress.
    mutating func noteCatchUpJoin(_ report: ApplyReport, from peer: NodeID, now: UInt64) {
        guard var progress = catchUps[peer] else { return }
        let records = UInt64(report.changedRecords.count)
        progress.receivedRecords += records
        progress.remainingRecords -= min(progress.remainingRecords, records)
        progress.nowMillis = now
        catchUps[peer] = progress
        shell.observe(.catchingUp(progress))
    }

    /// Records `theirs` holds beyond `ours`, summed over collections.
    static func missingRecords(
        theirs: [CollectionDigest], ours: [String: [UInt16: (count: UInt64, digest: UInt64)]]
    ) -> UInt64 {
        theirs.reduce(UInt64(0)) { total, digest in
            let held = ours[digest.collection].map { DigestReconciliation.root(fromLeaves: $0).count } ?? 0
            return total + (digest.count > held ? digest.count - held : 0)
        }
    }
}
