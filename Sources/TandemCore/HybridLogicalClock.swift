/// A node's hybrid logical clock (Kulkarni et al., 2014), as a pure value.
///
/// Paper: S. Kulkarni, M. Demirbas, D. Madeppa, B. Avva, M. Leone, "Logical
/// Physical Clocks and Consistent Snapshots in Globally Distributed
/// Databases", <https://cse.buffalo.edu/tech-reports/2014-04.pdf>.
///
/// The clock never reads the wall clock itself: every operation takes the
/// current physical time in milliseconds from the caller, so the simulator can
/// drive it with virtual time and tests can replay any history.
///
/// Guarantees:
/// - `tick(now:)` returns strictly increasing timestamps, whatever `now` does
///   (wall clocks may step backwards), until the clock reaches the last
///   representable timestamp (`UInt64.max`: physical 2^48 - 1 ms, in the
///   year 10889), where it stays rather than wrap. Only a wall clock that
///   far ahead takes it there: remote timestamps cannot (next point).
/// - A remote timestamp whose physical part is beyond `maxRemotePhysical`
///   is refused with `CoreError.timestampNearEndOfTime`, whatever the drift
///   bound, and leaves the clock untouched: after accepting any remote
///   timestamp at a wall time up to `maxRemotePhysical`, the clock can still
///   issue 2^48 - 1 strictly increasing timestamps.
/// - `receive(_:now:)` advances the clock past every remote timestamp it
///   accepts, so a write made after seeing a change is ordered after it.
/// - A remote timestamp more than `maxOffsetMillis` ahead of `now` is refused
///   with `CoreError.clockDriftExceeded` and leaves the clock untouched; a
///   faulty peer cannot drag every node's clock into the future (the
///   CockroachDB maximum-offset rule, default 500 ms).
/// - When the 16-bit logical counter would overflow within one millisecond,
///   the physical part advances by one millisecond instead, keeping order.
public struct HybridLogicalClock: Hashable, Sendable {
    /// The default bound on how far ahead of local wall time a remote
    /// timestamp may be: 500 ms.
    public static let defaultMaxOffsetMillis: UInt64 = 500

    /// The greatest physical time, in milliseconds, of a remote timestamp
    /// the clock accepts: 2^32 ms (about 50 days) short of the last
    /// representable one, leaving 2^48 - 1 timestamps to issue after it.
    public static let maxRemotePhysical: UInt64 = HLCTimestamp.maxPhysical - (1 << 32)

    /// The latest timestamp issued or received.
    public private(set) var latest: HLCTimestamp
    /// The drift bound in milliseconds.
    public let maxOffsetMillis: UInt64

    /// Creates a clock that has seen nothing (or resumes from `latest`).
    public init(latest: HLCTimestamp = .zero, maxOffsetMillis: UInt64 = HybridLogicalClock.defaultMaxOffsetMillis) {
        self.latest = latest
        self.maxOffsetMillis = maxOffsetMillis
    }

    /// Issues the timestamp of a local event (a write) at wall time `now`.
    public mutating func tick(now: UInt64) -> HLCTimestamp {
        let wall = min(now, HLCTimestamp.maxPhysical) << 16
        if wall > latest.rawValue {
            latest = HLCTimestamp(rawValue: wall)
        } else if latest.rawValue < UInt64.max {
            // At the last representable timestamp the clock stays there
            // rather than wrap around to zero.
            latest = HLCTimestamp(rawValue: latest.rawValue + 1)
        }
        return latest
    }

    /// Checks `remote` against the end of time and the drift bound without
    /// changing the clock.
    ///
    /// - Throws: `CoreError.timestampNearEndOfTime` when `remote`'s physical
    ///   part is beyond `maxRemotePhysical`; `CoreError.clockDriftExceeded`
    ///   when `remote` is more than `maxOffsetMillis` ahead of `now`.
    public func check(_ remote: HLCTimestamp, now: UInt64) throws(CoreError) {
        if remote.physical > Self.maxRemotePhysical {
            throw CoreError.timestampNearEndOfTime(remote, maxPhysical: Self.maxRemotePhysical)
        }
        // `remote - now`, not `now + bound`, which would wrap for huge bounds.
        if remote.physical > now && remote.physical - now > maxOffsetMillis {
            throw CoreError.clockDriftExceeded(
                ClockDrift(remote: remote, localWallMillis: now, maxOffsetMillis: maxOffsetMillis))
        }
    }

    /// Advances the clock on receipt of `remote` at wall time `now`.
    ///
    /// - Throws: what `check(_:now:)` throws, and leaves the clock
    ///   unchanged then.
    public mutating func receive(_ remote: HLCTimestamp, now: UInt64) throws(CoreError) {
        try check(remote, now: now)
        let wall = min(now, HLCTimestamp.maxPhysical) << 16
        // In the packed form, "max of physical parts, then bump the logical
        // counter of the winner" reduces to: take the larger of the two
        // timestamps and add one, unless wall time is ahead of both.
        let highest = max(latest.rawValue, remote.rawValue)
        if wall > highest {
            latest = HLCTimestamp(rawValue: wall)
        } else {
            latest = HLCTimestamp(rawValue: highest == UInt64.max ? highest : highest + 1)
        }
    }
}
