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
/// Memory is bounded: past `capacity` held items, further items are refused
/// (the caller does not acknowledge them, so the sender's anti-entropy
/// offers them again later) rather than growing without bound.
public struct DriftHold<Item: Sendable>: Sendable {
    /// What became of an admitted item.
    public enum Admission: Sendable {
        /// Within the bound: apply it now.
        case accepted
        /// Too far ahead: held until local time catches up.
        case held(ClockDrift)
        /// Too far ahead and the hold is full: not kept; do not acknowledge it.
        case refused(ClockDrift)
    }

    private struct Entry: Sendable {
        var timestamp: HLCTimestamp
        var sequence: UInt64
        var item: Item
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0
    /// The most items held at once.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The number of items held.
    public var count: Int { entries.count }

    /// The timestamps of the held items, in release order.
    public var heldTimestamps: [HLCTimestamp] { entries.map(\.timestamp) }

    /// Accepts `item` if `timestamp` is within `clock`'s drift bound at
    /// `now`, otherwise holds it (or refuses it when full).
    public mutating func admit(_ item: Item, timestamp: HLCTimestamp, clock: HybridLogicalClock, now: UInt64) -> Admission {
        do {
            try clock.check(timestamp, now: now)
            return .accepted
        } catch {
            let drift = ClockDrift(remote: timestamp, localWallMillis: now, maxOffsetMillis: clock.maxOffsetMillis)
            guard entries.count < capacity else { return .refused(drift) }
            let entry = Entry(timestamp: timestamp, sequence: nextSequence, item: item)
            nextSequence &+= 1
            let position = entries.firstIndex { ($0.timestamp, $0.sequence) > (timestamp, entry.sequence) } ?? entries.count
            entries.insert(entry, at: position)
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
        }
        return ready
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
