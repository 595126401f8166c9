import Logging
import TandemAdapters

/// Decides when a backfill's progress is logged and what the line says:
/// while an adapter is backfilling, one line every ``every`` (5 s) with
/// the rows done, the table's rows, the rate and the time left, as
/// `tandem status` shows them.
///
/// Guarantees: no line outside a backfill; at most one line per interval.
struct BackfillProgress {
    var every: Duration = .seconds(5)
    private var lastLogged: ContinuousClock.Instant?

    init(every: Duration = .seconds(5)) { self.every = every }

    /// The line to log for `status` at `now`, if one is due.
    mutating func line(_ status: AdapterStatus, at now: ContinuousClock.Instant) -> (message: String, metadata: Logger.Metadata)? {
        guard status.state == .backfilling else {
            lastLogged = nil
            return nil
        }
        // The first line once the backfill has run one interval.
        guard let last = lastLogged else {
            lastLogged = now
            return nil
        }
        guard now - last >= every else { return nil }
        lastLogged = now
        return (Self.message(status), Self.metadata(status))
    }

    /// `backfill: 120000/1000000 rows (12%), 10500 rows/s, 84 s left`.
    static func message(_ status: AdapterStatus) -> String {
        var text = "backfill: \(status.backfilledRows)"
        if let total = status.backfillTotal, total > 0 {
            text += "/\(total) rows (\(min(100, status.backfilledRows * 100 / total))%)"
        } else {
            text += " rows"
        }
        if let rate = status.backfillRowsPerSecond { text += ", \(Int(rate)) rows/s" }
        if let left = status.backfillSecondsLeft { text += ", \(Int(left.rounded(.up))) s left" }
        return text
    }

    static func metadata(_ status: AdapterStatus) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["rows": "\(status.backfilledRows)"]
        if let total = status.backfillTotal { metadata["total"] = "\(total)" }
        if let rate = status.backfillRowsPerSecond { metadata["rows_per_second"] = "\(Int(rate))" }
        if let left = status.backfillSecondsLeft { metadata["seconds_left"] = "\(Int(left.rounded(.up)))" }
        return metadata
    }
}
