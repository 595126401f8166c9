// SummaryDelta: a delta summary (docs/protocol.md, "Delta summaries").

/// What changed in the sender's batch vector since the last delta summary
/// the receiver acknowledged, and the sender's acknowledgement of the
/// receiver's own delta summaries.
///
/// Guarantees: a receiver that unions every `added` it gets on one session
/// holds, once it has acknowledged number `n`, at least the sender's whole
/// vector as of summary `n` (each delta is taken against what was
/// acknowledged, so a lost one is covered by the next). Number 0 is a bare
/// acknowledgement: it carries nothing else, and is itself not acknowledged,
/// so two quiet nodes stop talking after one exchange.
public struct SummaryDelta: Hashable, Sendable {
    /// The summary's number on this session (1, 2, ...), or 0 for a bare
    /// acknowledgement.
    public var number: UInt64
    /// The highest content summary number received from the peer on this
    /// session (0: none).
    public var acknowledging: UInt64
    /// Batches the sender holds that the receiver has not acknowledged
    /// learning from it: the lazy-push announcement of new batches.
    public var added: BatchVector
    /// The sender's connected peers, when they changed since the receiver
    /// last acknowledged them (nil: unchanged).
    public var neighbors: [NodeID]?

    public init(number: UInt64, acknowledging: UInt64, added: BatchVector = BatchVector(), neighbors: [NodeID]? = nil) {
        self.number = number
        self.acknowledging = acknowledging
        self.added = added
        self.neighbors = neighbors
    }

    /// Whether this is only an acknowledgement.
    public var isAcknowledgementOnly: Bool { number == 0 }
}
