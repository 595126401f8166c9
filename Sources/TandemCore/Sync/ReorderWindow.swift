/// How far out of order one origin's batches may arrive and still be taken.
///
/// An origin numbers its batches 1, 2, 3, …; a node holds, per origin, a
/// contiguous prefix `1...p` and above it the runs that arrived early (the
/// vector's cloud). Honest batches arrive nearly in order, so the cloud
/// stays at a range or two. A peer that sends only every other batch would
/// make it grow by one range per batch, and with it every summary and every
/// update of the stored vector. The window bounds that, per origin:
///
/// - a batch more than `maxSequencesAhead` above the prefix is not taken;
/// - a batch that would leave more than `maxRanges` runs above the prefix
///   is not taken (one that joins or extends a run, or advances the
///   prefix, always is).
///
/// A batch outside the window is refused, not kept: the peer still holds it
/// and anti-entropy offers it again once the missing batches below it have
/// arrived. The decision is pure: `SyncMachine` asks it for every new batch.
public struct ReorderWindow: Hashable, Sendable {
    /// How far above an origin's contiguous prefix a batch may be.
    public var maxSequencesAhead: UInt64
    /// The most runs of an origin's batches held above its prefix.
    public var maxRanges: Int

    /// The runs are what a vector's size (and a summary's, and an update's
    /// cost) grows with, so they are bounded tightly: 256 is far more than
    /// loss and reordering leave between summaries. The distance ahead is
    /// bounded loosely (2^20): after a partition a node legitimately gets an
    /// origin's new batches, forwarded live, far above the backlog it is
    /// still filling from below (they form one run), and refusing them only
    /// delays convergence. In the simulator, a distance of four in-flight
    /// budgets refused honest batches in runs of 500 writes and more.
    public init(maxSequencesAhead: UInt64 = 1 << 20, maxRanges: Int = 256) {
        self.maxSequencesAhead = maxSequencesAhead
        self.maxRanges = maxRanges
    }

    /// Why batch `sequence` of an origin of which `dots` are held (nil: none)
    /// lies outside the window, or nil if it may be taken (also when it is
    /// held already: that is for the caller's duplicate check).
    ///
    /// - Complexity: O(log r) for the r runs held above the prefix.
    public func excess(of sequence: UInt64, into dots: CausalContext.NodeDots?) -> ReorderWindowExcess? {
        let dots = dots ?? CausalContext.NodeDots()
        // At or just above the prefix (or 0, which no batch has): never a new run.
        if sequence <= dots.prefix || sequence - dots.prefix <= 1 || dots.contains(sequence) { return nil }
        if sequence - dots.prefix > maxSequencesAhead {
            return .tooFarAhead(sequence: sequence, prefix: dots.prefix, window: maxSequencesAhead)
        }
        // `sequence >= prefix + 2`, so `sequence - 1` is at least 1 and above the prefix.
        let joinsBelow = dots.contains(sequence - 1)
        let joinsAbove = sequence < .max && dots.contains(sequence + 1)
        if joinsBelow || joinsAbove { return nil }
        let ranges = dots.cloud.count + 1
        return ranges > maxRanges ? .tooManyRanges(ranges: ranges, limit: maxRanges) : nil
    }
}

/// Why a batch lies outside its origin's reorder window
/// (`SyncRejection.beyondReorderWindow`).
public enum ReorderWindowExcess: Hashable, Sendable, CustomStringConvertible {
    /// The batch's sequence is more than `window` above `prefix`, the highest
    /// sequence of its origin taken with none missing below it.
    case tooFarAhead(sequence: UInt64, prefix: UInt64, window: UInt64)
    /// Taking the batch would leave `ranges` runs of its origin's batches
    /// above the prefix, more than `limit`.
    case tooManyRanges(ranges: Int, limit: Int)

    public var description: String {
        switch self {
        case .tooFarAhead(let sequence, let prefix, let window):
            "sequence \(sequence) is \(sequence &- prefix) above its origin's contiguous prefix \(prefix), beyond the reorder window of \(window)"
        case .tooManyRanges(let ranges, let limit):
            "it would leave \(ranges) runs of its origin's batches out of order, more than \(limit)"
        }
    }
}
