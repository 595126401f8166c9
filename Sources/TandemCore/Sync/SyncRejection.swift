/// Why a batch or message was refused. Each is counted and audited; none
/// changes state.
public enum SyncRejection: Hashable, Sendable, CustomStringConvertible {
    /// The batch's origin is not a trusted node.
    case untrustedOrigin(batch: Dot)
    /// The origin's signature over the batch does not verify.
    case badSignature(batch: Dot)
    /// The payload is malformed or adds entries under another node's dots.
    case malformedBatch(batch: Dot, BatchError)
    /// The batch's timestamps are beyond the drift bound and the hold (or
    /// its origin's share of it) is full.
    case clockSkewHoldFull(batch: Dot, ClockDrift)
    /// The batch is dated further ahead than the drift hold's horizon.
    case clockSkewBeyondHorizon(batch: Dot, ClockDrift, horizonMillis: UInt64)
    /// The batch's causal context claims dots of this node that it never
    /// made (`ContextClaimViolation.receiverDots`).
    case forgedContext(batch: Dot, ContextClaimViolation)
    /// A summary whose vector, reduced to what matters here, holds more
    /// ranges than `SyncConfiguration.maxSummaryRanges`.
    case oversizedSummary(ranges: Int, limit: Int)
    /// Reconciled state (a state digest's contexts or a records chunk) that
    /// claims what no honest peer could: refused whole.
    case forgedState(collection: String, ForgedState)
    /// A records chunk holding an entry under a dot this node holds with
    /// different content (a dot names exactly one write).
    case forgedRecords(collection: String, dot: Dot)
    /// A records chunk holding a record outside the leaves it covers.
    case recordsOutsideLeaves(collection: String, record: String)
    /// A records chunk whose timestamps lie further ahead than the drift
    /// hold's horizon.
    case recordsBeyondHorizon(collection: String, ClockDrift, horizonMillis: UInt64)
    /// A `batches` message carrying more than
    /// `SyncConfiguration.maxBatchesPerReceivedMessage` batches.
    case tooManyBatches(count: Int, limit: Int)
    /// A validly signed batch that differs from the one this node holds
    /// under the same (origin, sequence): its origin equivocated.
    case equivocation(batch: Dot)
    /// The batch lies outside its origin's reorder window
    /// (`SyncConfiguration.reorderWindow`): too far ahead of what is held of
    /// the origin, or it would leave too many gaps.
    case beyondReorderWindow(batch: Dot, ReorderWindowExcess)
    /// The batch writes a field another node owns
    /// (`SyncConfiguration.fieldOwners`).
    case notOwner(batch: Dot, FieldOwnershipViolation)
    /// A message that could not be decoded.
    case malformedMessage(DecodingError)
    /// A reconciliation records chunk whose sender signature does not verify.
    case badRecordsSignature
    /// A reconciliation message that would change this node's state (a
    /// `stateDigest` or a `records` chunk, named by `message`) from a peer
    /// that is not one of its state sources.
    case untrustedStateSource(message: String)
    /// A `parityReply` numbered `check`, a check this node never started.
    case unexpectedParityReply(check: UInt64)

    /// A short stable name, for metrics labels.
    public var reason: String {
        switch self {
        case .untrustedOrigin: "untrusted_origin"
        case .badSignature: "bad_signature"
        case .malformedBatch: "malformed_batch"
        case .forgedContext: "forged_context"
        case .oversizedSummary: "oversized_summary"
        case .tooManyBatches: "too_many_batches"
        case .equivocation: "equivocation"
        case .forgedState: "forged_state"
        case .forgedRecords: "forged_records"
        case .recordsBeyondHorizon: "records_beyond_horizon"
        case .recordsOutsideLeaves: "records_outside_leaves"
        case .clockSkewHoldFull: "clock_skew_hold_full"
        case .clockSkewBeyondHorizon: "clock_skew_beyond_horizon"
        case .beyondReorderWindow: "beyond_reorder_window"
        case .notOwner: "not_owner"
        case .malformedMessage: "malformed_message"
        case .badRecordsSignature: "bad_records_signature"
        case .untrustedStateSource: "untrusted_state_source"
        case .unexpectedParityReply: "unexpected_parity_reply"
        }
    }

    public var description: String {
        switch self {
        case .untrustedOrigin(let batch): "batch \(batch): origin is not a trusted node"
        case .badSignature(let batch): "batch \(batch): signature does not verify"
        case .malformedBatch(let batch, let error): "batch \(batch): \(error)"
        case .forgedContext(let batch, let violation): "batch \(batch): \(violation)"
        case .notOwner(let batch, let violation): "batch \(batch): \(violation)"
        case .forgedState(let collection, let forged): "reconciled state of \(collection): \(forged)"
        case .forgedRecords(let collection, let dot):
            "records chunk of \(collection): an entry under dot \(dot) differs from the one held here under it"
        case .recordsOutsideLeaves(let collection, let record):
            "records chunk of \(collection): record \(record.debugDescription) lies outside the leaves it covers"
        case .recordsBeyondHorizon(let collection, let drift, let horizon):
            "records chunk of \(collection): \(drift), beyond the \(horizon) ms horizon"
        case .equivocation(let batch):
            "batch \(batch): validly signed by its origin but different from the batch held under the same sequence"
        case .tooManyBatches(let count, let limit): "batches message: \(count) batches, more than \(limit)"
        case .oversizedSummary(let ranges, let limit):
            "summary: \(ranges) sequence ranges of batches held here, more than \(limit)"
        case .clockSkewHoldFull(let batch, let drift): "batch \(batch): \(drift); the hold is full"
        case .clockSkewBeyondHorizon(let batch, let drift, let horizon):
            "batch \(batch): \(drift), beyond the \(horizon) ms horizon of the drift hold"
        case .beyondReorderWindow(let batch, let excess): "batch \(batch): \(excess); not kept, offered again once the gap closes"
        case .malformedMessage(let error): "message: \(error)"
        case .badRecordsSignature: "records chunk: the sender's signature does not verify"
        case .unexpectedParityReply(let check): "parity reply to check \(check), which this node never started"
        case .untrustedStateSource(let message):
            "\(message): the sender is not a state source of this node (reconciled state is taken only from its state sources)"
        }
    }
}

/// Why reconciled state was refused as forged (`SyncRejection.forgedState`).
public enum ForgedState: Hashable, Sendable, CustomStringConvertible {
    /// A context claims a counter past `Limits.maxClaimedCounter`.
    case claimBeyondLimit(Dot, limit: UInt64)
    /// A context claims what `ContextClaims` does not admit.
    case context(ContextClaimViolation)

    public var description: String {
        switch self {
        case .claimBeyondLimit(let dot, let limit): "context claims dot \(dot), beyond the highest counter a peer may claim (\(limit))"
        case .context(let violation): "\(violation)"
        }
    }
}
