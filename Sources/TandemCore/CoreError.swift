/// Errors raised by the core when a value, identifier or timestamp is not
/// acceptable. Each case says what was wrong; none of them changes state.
public enum CoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A node identity was not 32 bytes.
    case invalidNodeID(byteCount: Int)
    /// A double value was NaN, which has no order and no equality.
    case notANumber
    /// A string value is longer than the configured limit.
    case stringTooLong(bytes: Int, limit: Int)
    /// A bytes value is longer than the configured limit.
    case bytesTooLong(bytes: Int, limit: Int)
    /// A record id or field name is empty or longer than the limit.
    case invalidIdentifier(what: String, bytes: Int, limit: Int)
    /// A physical time does not fit the 48 bits of a hybrid timestamp.
    case physicalTimeOutOfRange(milliseconds: UInt64)
    /// A remote timestamp is further ahead of local wall time than allowed.
    case clockDriftExceeded(ClockDrift)
    /// A node's dot counter would pass 2^64 - 1 (only reachable through a
    /// context that claims a counter near the maximum).
    case dotCountersExhausted(node: NodeID)
    /// A record given to `RecordCollection(records:context:limits:)` holds
    /// a dot its causal context lacks.
    case dotOutsideContext(Dot, record: String)
    /// A remote timestamp's physical part is beyond `maxPhysical`
    /// (`HybridLogicalClock.maxRemotePhysical`): so close to the last
    /// representable timestamp that accepting it would leave the clock too
    /// few timestamps to issue. No honest clock is there before the year 10889.
    case timestampNearEndOfTime(HLCTimestamp, maxPhysical: UInt64)

    public var description: String {
        switch self {
        case .invalidNodeID(let count):
            "node id must be \(NodeID.byteCount) bytes, got \(count)"
        case .notANumber:
            "NaN is not a valid value"
        case .stringTooLong(let bytes, let limit):
            "string of \(bytes) UTF-8 bytes exceeds the limit of \(limit)"
        case .bytesTooLong(let bytes, let limit):
            "bytes value of \(bytes) bytes exceeds the limit of \(limit)"
        case .invalidIdentifier(let what, let bytes, let limit):
            bytes == 0 ? "\(what) must not be empty" : "\(what) of \(bytes) bytes exceeds the limit of \(limit)"
        case .physicalTimeOutOfRange(let ms):
            "physical time \(ms) ms does not fit in 48 bits"
        case .clockDriftExceeded(let drift):
            drift.description
        case .dotCountersExhausted(let node):
            "node \(node) has no dot counters left: its context claims the maximum counter"
        case .dotOutsideContext(let dot, let record):
            "record \(record) holds dot \(dot), which its causal context lacks"
        case .timestampNearEndOfTime(let remote, let maxPhysical):
            "remote timestamp \(remote) is past physical time \(maxPhysical) ms, too near the last representable timestamp"
        }
    }
}

/// A refused remote timestamp: how far ahead of local wall time it was.
public struct ClockDrift: Hashable, Sendable, CustomStringConvertible {
    /// The refused remote timestamp.
    public var remote: HLCTimestamp
    /// Local wall time when it was refused, in milliseconds.
    public var localWallMillis: UInt64
    /// The configured bound, in milliseconds.
    public var maxOffsetMillis: UInt64

    /// How far ahead of local wall time the remote timestamp was.
    public var aheadMillis: UInt64 { remote.physical &- localWallMillis }

    public var description: String {
        "remote timestamp \(remote) is \(aheadMillis) ms ahead of local wall time, beyond the \(maxOffsetMillis) ms bound"
    }
}
