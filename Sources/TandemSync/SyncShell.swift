public import TandemCore
public import TandemStore

/// What a sync driver needs from the world around it: a way to send bytes
/// to a peer and a timer. The TCP node implements it over SwiftNIO; the
/// simulator over its virtual network and clock.
public protocol SyncShell: AnyObject {
    /// Sends an encoded `SyncMessage` to `peer` (dropped if not connected).
    func send(_ bytes: [UInt8], to peer: NodeID)
    /// Calls the driver's `timerFired(now:)` after `millis` milliseconds.
    func scheduleTimer(afterMillis millis: UInt64)
    /// Something worth counting happened (metrics); the driver has already
    /// audited what needs auditing.
    func observe(_ event: SyncEvent)
}

/// Events a shell counts for its metrics.
public enum SyncEvent: Sendable {
    case rejected(SyncRejection, from: NodeID)
    case duplicate(batch: Dot, from: NodeID)
    case heldForClockSkew(batch: Dot, ClockDrift)
    /// A batch waits for writes its context claims (`SyncAction.deferForCausality`).
    case deferred(batch: Dot, ContextClaimViolation, from: NodeID)
    /// A records chunk dated beyond the drift bound was not joined now.
    case recordsDeferredForClockSkew(collection: String, ClockDrift)
    case applied(DeltaBatch, ApplyReport)
    case committedLocally(DeltaBatch)
    case reconciled(collection: String, ApplyReport)
    /// Taking in a state source's records: how far it has come
    /// (`CatchUpProgress`), after each chunk joined and once when it ends.
    case catchingUp(CatchUpProgress)
    case storeFailed(StoreError)
    /// `origin` signed two different batches as `sequence`; `peer` sent
    /// the second. The origin should be investigated (and its key revoked).
    case equivocation(origin: NodeID, sequence: UInt64, from: NodeID)
    /// `peer` holds the same batches as this node but different records in
    /// `collections` (found by the periodic state check).
    case divergence(peer: NodeID, collections: [String])
    /// Reconciliation records for `peer` stopped at its reply budget
    /// (`ReplyBudget`) after `bytesSent`; it asks again next round.
    case replyCutShort(peer: NodeID, collection: String, bytesSent: Int)
    /// `peer` passed `limit` refusals within one interval of
    /// `intervalMillis`: the shell should close it and back off
    /// (`RefusalLedger`). Reported once per interval.
    case refusalLimitReached(peer: NodeID, limit: Int, intervalMillis: UInt64)
    /// A parity check against a peer ended (`SyncInput.checkParity`).
    case peerParityChecked(PeerParityReport)
}
