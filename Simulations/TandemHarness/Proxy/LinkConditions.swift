/// The faults in force on one link at one moment. Every proxy of the link
/// (one per dialling direction) applies them to every byte it relays.
public struct LinkConditions: Sendable, Equatable, CustomStringConvertible {
    /// Cut both ways: connections are closed and new ones refused.
    public var cut = false
    /// One-way cuts: bytes sent by these nodes (indices) on this link are
    /// dropped, as on a black-holed route; the other way still flows.
    public var silencedSenders: Set<Int> = []
    /// Added delay per chunk of bytes, in milliseconds.
    public var delayMillis = 0
    /// Up to this much more, drawn per chunk (order is kept, as on TCP).
    public var jitterMillis = 0
    /// Throttled bandwidth per direction of a connection; nil: unlimited.
    public var bytesPerSecond: Int?
    /// Bytes are held back (in order) until the hold ends, then released
    /// in one burst.
    public var holding = false

    public init() {}

    /// Whether no fault is in force.
    public var isClean: Bool { self == LinkConditions() }

    public var description: String {
        var parts: [String] = []
        if cut { parts.append("cut") }
        if !silencedSenders.isEmpty { parts.append("silenced \(silencedSenders.sorted().map { "n\($0 + 1)" })") }
        if delayMillis > 0 || jitterMillis > 0 { parts.append("delay \(delayMillis)+\(jitterMillis) ms") }
        if let bytesPerSecond { parts.append("\(bytesPerSecond) B/s") }
        if holding { parts.append("holding") }
        return parts.isEmpty ? "clean" : parts.joined(separator: ", ")
    }
}
