/// Records whose external write failed (a poison value, a constraint), with
/// when each may be tried again (pure: time is passed in).
///
/// Backoff doubles from `initialMillis` to `maximumMillis`; a record that
/// changes again in the CRDT is tried at once. Every other record keeps
/// flowing meanwhile.
public struct RetrySchedule: Sendable {
    public struct Entry: Hashable, Sendable {
        public var attempts: Int
        public var nextMillis: Int64
        public var lastError: String
    }

    public var initialMillis: Int64
    public var maximumMillis: Int64
    public private(set) var entries: [String: Entry] = [:]

    public init(initialMillis: Int64 = 500, maximumMillis: Int64 = 60_000) {
        self.initialMillis = initialMillis
        self.maximumMillis = maximumMillis
    }

    /// Notes a failure of `record` at `now`.
    public mutating func failed(_ record: String, error: String, now: Int64) {
        let attempts = (entries[record]?.attempts ?? 0) + 1
        let shift = min(attempts - 1, 20)
        let delay = min(initialMillis << Int64(shift), maximumMillis)
        entries[record] = Entry(attempts: attempts, nextMillis: now + delay, lastError: error)
    }

    /// Forgets `record` (written, or gone).
    public mutating func succeeded(_ record: String) { entries[record] = nil }

    /// Makes `record` due now (it changed).
    public mutating func changed(_ record: String, now: Int64) {
        if entries[record] != nil { entries[record]?.nextMillis = now }
    }

    /// The records due at `now`.
    public func due(now: Int64) -> [String] {
        entries.filter { $0.value.nextMillis <= now }.map(\.key).sorted()
    }

    /// The earliest time anything is due.
    public var nextDue: Int64? { entries.values.map(\.nextMillis).min() }

    public var isEmpty: Bool { entries.isEmpty }
}
