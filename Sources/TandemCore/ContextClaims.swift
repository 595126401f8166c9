/// What a peer's batch may claim to have seen.
///
/// A delta's causal context says which dots its origin had seen when it
/// made the change; joining it removes every entry under those dots that the
/// delta does not carry. That is how a delete or an overwrite travels, and it
/// is also the most powerful thing a batch can say: a context that claims
/// dots nobody has made yet erases their writes before they arrive, and one
/// that claims a node's counters up to the limit leaves that node unable to
/// write. So a receiver admits a batch's context only when every claim is one
/// its origin could honestly make:
///
/// - **The origin's own dots**: always (a node may delete or overwrite its
///   own writes, including ones made and replaced within one batch that no
///   other node ever saw). `DeltaBatch.delta(limits:)` has already refused
///   any claim beyond `Limits.maxClaimedCounter`.
/// - **The receiver's own dots**: only those the receiver has made (its
///   stored context holds every dot it ever issued). Anything more is a
///   forgery: refused (`ContextClaimViolation.receiverDots`), also in a
///   batch that names the receiver as its origin.
/// - **A third node's dots**: only those the receiver has already seen.
///   Otherwise the batch is not applied yet (`ContextClaimViolation.unseenDots`):
///   the receiver does not mark it held, so anti-entropy offers it again,
///   and it is applied once the claimed writes have arrived (causal
///   delivery, holding nothing in memory meanwhile).
///
/// Pure: it reads the delta and the receiver's stored context, nothing else.
///
/// - Complexity: O(r + r') for the delta's context ranges and the receiver's
///   context ranges of the nodes it names; never proportional to counter values.
public enum ContextClaims {
    /// The first claim of `delta` (a batch made by `origin`) that `receiver`,
    /// whose stored context of the batch's collection is `seen`, must not
    /// admit now, or nil when every claim is admissible.
    public static func check(
        _ delta: RecordCollection, origin: NodeID, receiver: NodeID, seen: CausalContext
    ) -> ContextClaimViolation? {
        // A batch in the receiver's own name that it does not hold (it could
        // only have been lost with the receiver's state) gets no exemption.
        for node in delta.context.nodes.keys.sorted() where node != origin || node == receiver {
            guard let gap = firstUnseen(of: node, claimedIn: delta.context, seen: seen) else { continue }
            return node == receiver ? .receiverDots(node: node, gap) : .unseenDots(node: node, gap)
        }
        return nil
    }

    /// The first run of `receiver`'s own dots that `context` claims and
    /// `seen` (the receiver's stored context, which holds every dot it ever
    /// made) lacks: a claim no honest peer can make, whatever it sends.
    public static func unmadeReceiverDots(
        _ context: CausalContext, receiver: NodeID, seen: CausalContext
    ) -> ContextClaimViolation? {
        firstUnseen(of: receiver, claimedIn: context, seen: seen).map { .receiverDots(node: receiver, $0) }
    }

    /// The claimed dot with the highest counter past `limit`, of the
    /// lowest such node, or nil (checked before anything else: such a claim
    /// would use up a node's counters).
    public static func claimBeyond(_ limit: UInt64, in context: CausalContext) -> Dot? {
        context.nodes.filter { $0.value.maxCounter > limit }.min { $0.key < $1.key }
            .map { Dot(node: $0.key, counter: $0.value.maxCounter) }
    }

    private static func firstUnseen(of node: NodeID, claimedIn context: CausalContext, seen: CausalContext) -> ClosedRange<UInt64>? {
        guard let claimed = context.nodes[node] else { return nil }
        return (seen.nodes[node] ?? CausalContext.NodeDots()).firstUnseen(in: claimed)
    }
}

/// A causal-context claim a receiver does not admit (`ContextClaims`).
public enum ContextClaimViolation: Hashable, Sendable, CustomStringConvertible {
    /// The context claims dots of the receiving node that it never made:
    /// a forgery, refused.
    case receiverDots(node: NodeID, ClosedRange<UInt64>)
    /// The context claims dots of a third node that the receiver has not
    /// seen yet: the batch waits until they arrive.
    case unseenDots(node: NodeID, ClosedRange<UInt64>)

    public var description: String {
        switch self {
        case .receiverDots(let node, let range):
            "context claims dots \(range.lowerBound)...\(range.upperBound) of the receiving node \(node), which it never made"
        case .unseenDots(let node, let range):
            "context claims dots \(range.lowerBound)...\(range.upperBound) of node \(node), not yet seen here"
        }
    }
}

extension CausalContext.NodeDots {
    /// The first run of counters that `claimed` holds and `self` does not,
    /// or nil when `self` holds every counter of `claimed`.
    ///
    /// - Complexity: O(r + r') for the two clouds' range counts.
    public func firstUnseen(in claimed: CausalContext.NodeDots) -> ClosedRange<UInt64>? {
        if claimed.prefix > 0, let gap = firstUnseen(in: 1...claimed.prefix) { return gap }
        for range in claimed.cloud {
            if let gap = firstUnseen(in: range) { return gap }
        }
        return nil
    }

    /// The first run of counters of `range` that `self` does not hold.
    func firstUnseen(in range: ClosedRange<UInt64>) -> ClosedRange<UInt64>? {
        guard range.upperBound > prefix else { return nil }
        // `prefix < range.upperBound <= UInt64.max`, so `prefix + 1` cannot wrap.
        var start = max(range.lowerBound, prefix + 1)
        for held in cloud where held.upperBound >= start {
            if held.lowerBound > start {
                return start...min(held.lowerBound - 1, range.upperBound)
            }
            if held.upperBound >= range.upperBound { return nil }
            start = held.upperBound + 1
        }
        return start...range.upperBound
    }
}
