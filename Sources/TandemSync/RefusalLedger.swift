public import TandemCore
public import TandemStore

/// Counts refusals in memory and decides which reach the audit log, so that
/// a peer sending garbage cannot make the node write (and sync to disk) once
/// per item it refuses.
///
/// Guarantees:
/// - The first refusal of each (peer, reason) in an interval is audited at
///   once, with its detail; the others of that interval are counted and
///   audited together, as one row naming the peer, the reason, the count and
///   the interval, once the interval is over (`flush`). Nothing is dropped:
///   every refusal is in exactly one row.
/// - Audit rows per interval are at most two per (peer, reason) in it.
/// - A peer past `Policy.disconnectAfter` refusals within one interval is
///   reported once (`Outcome.disconnect`), so the shell can close it and
///   back off.
///
/// Pure: time comes from the caller, nothing is written here.
public struct RefusalLedger: Sendable {
    /// How refusals are grouped and when a peer is cut off.
    public struct Policy: Hashable, Sendable {
        /// The length of an aggregation interval, in milliseconds.
        public var intervalMillis: UInt64
        /// Refusals from one peer within one interval after which it is
        /// disconnected.
        public var disconnectAfter: Int

        /// The defaults: 10 s intervals, disconnect after 1,000 refusals.
        public init(intervalMillis: UInt64 = 10_000, disconnectAfter: Int = 1_000) {
            self.intervalMillis = intervalMillis
            self.disconnectAfter = disconnectAfter
        }
    }

    /// What to do about one refusal.
    public struct Outcome: Sendable {
        /// The audit row to write now (the interval's first of its kind), if any.
        public var audit: AuditEvent?
        /// Whether the peer just passed the disconnect threshold.
        public var disconnect: Bool
    }

    private struct Key: Hashable, Sendable {
        var peer: NodeID?
        var reason: String
    }

    private struct Tally: Sendable {
        var start: UInt64
        var last: UInt64
        var suppressed = 0
    }

    private struct PeerWindow: Sendable {
        var start: UInt64
        var count = 0
        var reported = false
    }

    public let policy: Policy
    private var tallies: [Key: Tally] = [:]
    private var windows: [NodeID: PeerWindow] = [:]
    /// Rows of intervals that ended when a new one of their kind began.
    private var pendingRows: [AuditEvent] = []

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Refusals counted but not yet audited.
    public var pending: Int { tallies.values.reduce(0) { $0 + $1.suppressed } }

    /// Records one refusal of `reason` from `peer` (nil: not identified,
    /// such as a connection refused before its handshake ended).
    public mutating func record(reason: String, detail: String, from peer: NodeID?, now: UInt64) -> Outcome {
        var outcome = Outcome(audit: nil, disconnect: false)
        let key = Key(peer: peer, reason: reason)
        if var tally = tallies[key], now &- tally.start < policy.intervalMillis {
            tally.suppressed += 1
            tally.last = now
            tallies[key] = tally
        } else {
            if let ended = tallies[key], ended.suppressed > 0 {
                // Its interval is over: its row goes out with this one's.
                pendingRows.append(Self.row(for: key, ended))
            }
            tallies[key] = Tally(start: now, last: now)
            outcome.audit = AuditEvent(at: now, kind: .rejected, node: peer, detail: detail)
        }
        if let peer {
            var window = windows[peer] ?? PeerWindow(start: now)
            if now &- window.start >= policy.intervalMillis { window = PeerWindow(start: now) }
            window.count += 1
            if window.count > policy.disconnectAfter && !window.reported {
                window.reported = true
                outcome.disconnect = true
            }
            windows[peer] = window
        }
        return outcome
    }

    /// The aggregated rows of every interval over by `now` (all of them
    /// with `everything`, as at shutdown), to be written together.
    public mutating func flush(now: UInt64, everything: Bool = false) -> [AuditEvent] {
        var rows = pendingRows
        pendingRows.removeAll()
        for (key, tally) in tallies.sorted(by: { ($0.value.start, $0.key.reason) < ($1.value.start, $1.key.reason) })
        where everything || now &- tally.start >= policy.intervalMillis {
            if tally.suppressed > 0 { rows.append(Self.row(for: key, tally)) }
            tallies[key] = nil
        }
        for (peer, window) in windows where now &- window.start >= policy.intervalMillis { windows[peer] = nil }
        return rows
    }

    private static func row(for key: Key, _ tally: Tally) -> AuditEvent {
        AuditEvent(
            at: tally.last, kind: .rejected, node: key.peer,
            detail: "\(tally.suppressed) more refusals (\(key.reason)) from \(key.peer?.hex ?? "unidentified connections") between \(tally.start) and \(tally.last) ms, counted together")
    }
}
