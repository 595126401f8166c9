/// Holds changes whose timestamps are too far ahead of local wall time, and
/// releases them once local time has caught up.
///
/// A peer whose clock runs fast must not drag this node's hybrid clock into
/// the future, but its writes must not be lost either. `admit` either accepts
/// an item (its timestamp is within the drift bound: apply it now) or holds
/// it and reports the skew; `releaseReady` hands back, in timestamp order,
/// every held item that is now within the bound. Time comes from the caller,
/// so the simulator replays this exactly.
///
/// Memory is bounded by `DriftHoldBounds`: by items, by bytes, and by bytes
/// per origin, so one fast (or hostile) origin cannot fill the hold for the
/// others. An item past a bound is refused (the caller does not acknowledge
/// it, so the sender's anti-entropy offers it again later) rather than
/// growing without bound. An item dated beyond the horizon is refused
/// outright: no clock is that far off, and holding it would keep its bytes
/// for as long as it claims.
public struct DriftHold<Item: Sendable>: Sendable {
    /// What became of an admitted item.
    public enum Admission: Sendable {
        /// Within the bound: apply it now.
        case accepted
        /// Too far ahead: held until local time catches up.
        case held(ClockDrift)
        /// Too far ahead and the hold (or the origin's share of it) is full:
        /// not kept; do not acknowledge it.
        case refused(ClockDrift)
        /// Further ahead than `DriftHoldBounds.horizonMillis`, or beyond
        /// `HybridLogicalClock.maxRemotePhysical`: not kept.
        case beyondHorizon(ClockDrift)
    }

    private struct Entry: Sendable {
        var timestamp: HLCTimestamp
        var sequence: UInt64
        var item: Item
        var bytes: Int
        var origin: NodeID?
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0
    private var bytesByOrigin: [NodeID: Int] = [:]
    /// What the hold keeps at most.
    public let bounds: DriftHoldBounds
    /// The bytes held, as the callers counted them.
    public private(set) var bytes = 0

    public init(bounds: DriftHoldBounds = DriftHoldBounds()) {
        self.bounds = bounds
    }

    /// A hold of at most `capacity` items (other bounds at their defaults).
    public init(capacity: Int) {
        self.init(bounds: DriftHoldBounds(maxItems: capacity))
    }

    /// The most items held at once.
    public var capacity: Int { bounds.maxItems }

    /// The number of items held.
    public var count: Int { entries.count }

    /// The timestamps of the held items, in release order.
    public var heldTimestamps: [HLCTimestamp] { entries.map(\.timestamp) }

    /// Accepts `item` if `timestamp` is within `clock`'s drift bound at
    /// `now`, otherwise holds it (or refuses it when a bound would be
    /// passed, or when it lies beyond the horizon). `bytes` is what the item
    /// costs to keep and `origin` whose share of the hold it takes.
    public mutating func admit(
        _ item: Item, timestamp: HLCTimestamp, clock: HybridLogicalClock, now: UInt64,
        bytes: Int = 0, origin: NodeID? = nil
    ) -> Admission {
        do throws(CoreError) {
            try clock.check(timestamp, now: now)
            return .accepted
        } catch {
            let drift = ClockDrift(remote: timestamp, localWallMillis: now, maxOffsetMillis: clock.maxOffsetMillis)
            // Near the end of time: never acceptable, however long it waits.
            if case .timestampNearEndOfTime = error { return .beyondHorizon(drift) }
            guard drift.aheadMillis <= bounds.horizonMillis else { return .beyondHorizon(drift) }
            let originBytes = origin.map { bytesByOrigin[$0, default: 0] } ?? 0
            guard entries.count < bounds.maxItems, self.bytes + bytes <= bounds.maxBytes,
                  originBytes + bytes <= bounds.maxBytesPerOrigin
            else { return .refused(drift) }
            let entry = Entry(timestamp: timestamp, sequence: nextSequence, item: item, bytes: bytes, origin: origin)
            nextSequence &+= 1
            let position = entries.firstIndex { ($0.timestamp, $0.sequence) > (timestamp, entry.sequence) } ?? entries.count
            entries.insert(entry, at: position)
            self.bytes += bytes
            if let origin { bytesByOrigin[origin] = originBytes + bytes }
            return .held(drift)
        }
    }

    /// Removes and returns, oldest timestamp first, every held item now
    /// within the drift bound.
    public mutating func releaseReady(clock: HybridLogicalClock, now: UInt64) -> [Item] {
        var ready: [Item] = []
        while let first = entries.first {
            do {
                try clock.check(first.timestamp, now: now)
            } catch {
                break
            }
            ready.append(first.item)
            entries.removeFirst()
            bytes -= first.bytes
            if let origin = first.origin {
                let left = bytesByOrigin[origin, default: 0] - first.bytes
                bytesByOrigin[origin] = left > 0 ? left : nil
            }
        }
        return ready
    }
}

/// How much a `DriftHold` keeps at most.
public struct DriftHoldBounds: Hashable, Sendable {
    /// The most items held at once.
    public var maxItems: Int
    /// The most bytes held at once (as the callers count them).
    public var maxBytes: Int
    /// The most bytes held at once for one origin.
    public var maxBytesPerOrigin: Int
    /// How far ahead of local wall time an item may be dated and still be
    /// held, in milliseconds; anything further is refused.
    public var horizonMillis: UInt64

    /// The defaults: 10,000 items, 64 MiB, 16 MiB per origin, one hour.
    public init(
        maxItems: Int = 10_000, maxBytes: Int = 64 << 20, maxBytesPerOrigin: Int = 16 << 20,
        horizonMillis: UInt64 = 3_600_000
    ) {
        self.maxItems = maxItems
        self.maxBytes = maxBytes
        self.maxBytesPerOrigin = maxBytesPerOrigin
        self.horizonMillis = horizonMillis
    }
}

extension RecordCollection {
    /// The greatest timestamp of any field write held: what a receiver
    /// checks against its drift bound before joining this delta.
    public var maxTimestamp: HLCTimestamp? {
        var best: HLCTimestamp?
        for store in records.values {
            for register in store.fields.registers {
                register.forEachEntry { entry in
                    if best.map({ entry.timestamp > $0 }) ?? true { best = entry.timestamp }
                }
            }
        }
        return best
    }
}
