/// A hybrid logical clock timestamp (Kulkarni et al., "Logical Physical
/// Clocks and Consistent Snapshots in Globally Distributed Databases", 2014).
///
/// Packed into one `UInt64`: the upper 48 bits hold physical milliseconds
/// since the Unix epoch (enough until the year 10889), the lower 16 bits a
/// logical counter that orders events within one millisecond. Comparing the
/// packed integers compares (physical, logical) lexicographically, which is
/// the HLC order. Ties between nodes are broken by `NodeID`
/// (see `WriteStamp`).
public struct HLCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The largest physical time representable (2^48 - 1 ms).
    public static let maxPhysical: UInt64 = (1 << 48) - 1
    /// The largest logical counter (2^16 - 1).
    public static let maxLogical: UInt64 = (1 << 16) - 1

    /// The packed representation: `physical << 16 | logical`.
    public var rawValue: UInt64

    /// The zero timestamp, before every real event.
    public static let zero = HLCTimestamp(rawValue: 0)

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Creates a timestamp from its parts.
    ///
    /// - Throws: `CoreError.physicalTimeOutOfRange` when `physical` exceeds 48 bits.
    public init(physical: UInt64, logical: UInt16) throws(CoreError) {
        guard physical <= HLCTimestamp.maxPhysical else {
            throw CoreError.physicalTimeOutOfRange(milliseconds: physical)
        }
        rawValue = physical << 16 | UInt64(logical)
    }

    /// Milliseconds since the Unix epoch.
    @inlinable
    public var physical: UInt64 { rawValue >> 16 }

    /// The logical counter within `physical`.
    @inlinable
    public var logical: UInt64 { rawValue & HLCTimestamp.maxLogical }

    @inlinable
    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "\(physical).\(logical)" }
}

/// The order key of a write: its timestamp, then its node id.
///
/// Two writes by different nodes can carry equal `HLCTimestamp`s; the node id
/// breaks the tie, so every replica picks the same last writer. One node never
/// stamps two writes with the same timestamp (its clock is strictly
/// monotonic), so `WriteStamp`s of distinct honest writes are distinct.
public struct WriteStamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var timestamp: HLCTimestamp
    public var node: NodeID

    @inlinable
    public init(timestamp: HLCTimestamp, node: NodeID) {
        self.timestamp = timestamp
        self.node = node
    }

    @inlinable
    public static func < (lhs: WriteStamp, rhs: WriteStamp) -> Bool {
        if lhs.timestamp != rhs.timestamp { return lhs.timestamp < rhs.timestamp }
        return lhs.node < rhs.node
    }

    public var description: String { "\(timestamp)@\(node)" }
}
