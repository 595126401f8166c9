public import TandemCore

/// How far this node has come taking in a peer's state by reconciliation:
/// a new node's snapshot, or one that was away past the peers' log
/// compaction. Reported by the driver (`SyncEvent.catchingUp`) each time a
/// records chunk from that peer is joined, and once more when it ends.
///
/// Guarantees:
/// - `expectedRecords` is the gap the first `stateDigest` of the catch-up
///   showed (the records the peer holds beyond this node's, summed over
///   collections); each later `stateDigest` re-measures `remainingRecords`
///   exactly, and in between it falls by the records joined.
/// - An interrupted catch-up resumes: chunks joined are durable, and the
///   next reconciliation asks only for leaves that still differ; a new
///   driver (a restart) starts a new report whose `expectedRecords` is
///   what is still missing, not the whole state.
/// - Times are the driver's `now` (milliseconds); nothing here reads a clock.
public struct CatchUpProgress: Hashable, Sendable {
    /// The state source the records come from.
    public var peer: NodeID
    /// When the catch-up began, and the time of this report.
    public var startedAtMillis: UInt64
    public var nowMillis: UInt64
    /// Records the peer held beyond this node's when the catch-up began.
    public var expectedRecords: UInt64
    /// Records still missing (an estimate between two digests).
    public var remainingRecords: UInt64
    /// Records joined and the bytes of the records chunks that carried them.
    public var receivedRecords: UInt64
    public var receivedBytes: UInt64
    /// Whether the peer's last digest showed no records missing any more.
    public var finished: Bool

    public init(
        peer: NodeID, startedAtMillis: UInt64, nowMillis: UInt64, expectedRecords: UInt64, remainingRecords: UInt64,
        receivedRecords: UInt64 = 0, receivedBytes: UInt64 = 0, finished: Bool = false
    ) {
        self.peer = peer
        self.startedAtMillis = startedAtMillis
        self.nowMillis = nowMillis
        self.expectedRecords = expectedRecords
        self.remainingRecords = remainingRecords
        self.receivedRecords = receivedRecords
        self.receivedBytes = receivedBytes
        self.finished = finished
    }

    /// Seconds since the catch-up began.
    public var elapsedSeconds: Double { Double(nowMillis &- startedAtMillis) / 1_000 }

    /// Records joined per second so far (nil in the first millisecond).
    public var recordsPerSecond: Double? {
        elapsedSeconds > 0 ? Double(receivedRecords) / elapsedSeconds : nil
    }

    /// Seconds left at the rate so far (nil until a record has come).
    public var secondsLeft: Double? {
        if finished { return 0 }
        guard let rate = recordsPerSecond, rate > 0 else { return nil }
        return Double(remainingRecords) / rate
    }

    /// The share done, 0 to 1.
    public var fractionDone: Double {
        let total = receivedRecords + remainingRecords
        return finished || total == 0 ? 1 : Double(receivedRecords) / Double(total)
    }

    /// One line for a log or a status table: records, bytes, rate, time left.
    public var line: String {
        let mib = Double(receivedBytes) / 1_048_576
        var parts = [
            "\(receivedRecords) of \(receivedRecords + remainingRecords) records (\(Int(fractionDone * 100))%)",
            "\(Self.oneDecimal(mib)) MiB",
        ]
        if let rate = recordsPerSecond { parts.append("\(Int(rate)) records/s") }
        if finished {
            parts.append("done in \(Self.oneDecimal(elapsedSeconds)) s")
        } else if let left = secondsLeft {
            parts.append("about \(Int(left.rounded(.up))) s left")
        }
        return parts.joined(separator: ", ")
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
