/// A fault the proxies put on one link for a while.
public enum LinkFault: Sendable, Hashable {
    /// Cut both ways: open connections closed, new ones refused.
    case cut
    /// Bytes sent by this node on the link are dropped; the other way flows.
    case oneWay(silenced: Int)
    /// Added delay and jitter per chunk, in milliseconds.
    case delay(millis: Int, jitter: Int)
    /// Bandwidth limit per direction of each connection.
    case throttle(bytesPerSecond: Int)
    /// Bytes held back, released in one burst when the fault ends.
    case hold
    /// Every open connection closed in the middle of the next chunk it
    /// relays (instantaneous: no duration).
    case reset

    /// The kind, for the figures.
    public var kind: String {
        switch self {
        case .cut: "cut"
        case .oneWay: "one-way cut"
        case .delay: "delay"
        case .throttle: "throttle"
        case .hold: "hold and burst"
        case .reset: "reset mid-frame"
        }
    }

    public var description: String {
        switch self {
        case .cut: "cut both ways"
        case .oneWay(let silenced): "one-way cut (n\(silenced + 1)'s bytes dropped)"
        case .delay(let millis, let jitter): "delay \(millis) ms + jitter \(jitter) ms"
        case .throttle(let rate): "throttle to \(rate) B/s"
        case .hold: "hold bytes, then release in a burst"
        case .reset: "reset connections mid-frame"
        }
    }

    /// Puts the fault in force on `conditions`.
    func apply(to conditions: inout LinkConditions) {
        switch self {
        case .cut: conditions.cut = true
        case .oneWay(let silenced): conditions.silencedSenders.insert(silenced)
        case .delay(let millis, let jitter):
            conditions.delayMillis = millis
            conditions.jitterMillis = jitter
        case .throttle(let rate): conditions.bytesPerSecond = rate
        case .hold: conditions.holding = true
        case .reset: break
        }
    }

    /// Ends the fault on `conditions`.
    func lift(from conditions: inout LinkConditions) {
        switch self {
        case .cut: conditions.cut = false
        case .oneWay(let silenced): conditions.silencedSenders.remove(silenced)
        case .delay:
            conditions.delayMillis = 0
            conditions.jitterMillis = 0
        case .throttle: conditions.bytesPerSecond = nil
        case .hold: conditions.holding = false
        case .reset: break
        }
    }
}
