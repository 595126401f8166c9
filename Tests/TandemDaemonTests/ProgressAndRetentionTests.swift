import Logging
import TandemAdapters
@testable import TandemDaemon
import Testing

/// The backfill progress line (when and what) and the retention cut-off.
@Suite("backfill progress and audit retention")
struct ProgressAndRetentionTests {
    static func backfilling(rows: Int, total: Int?, rate: Double?, left: Double?) -> AdapterStatus {
        var status = AdapterStatus()
        status.state = .backfilling
        status.backfilledRows = rows
        status.backfillTotal = total
        status.backfillRowsPerSecond = rate
        status.backfillSecondsLeft = left
        return status
    }

    @Test("one line every interval while backfilling, none otherwise")
    func cadence() {
        var progress = BackfillProgress(every: .seconds(5))
        let start = ContinuousClock.now
        let status = Self.backfilling(rows: 120_000, total: 1_000_000, rate: 10_500.4, left: 83.8)
        #expect(progress.line(status, at: start) == nil)
        #expect(progress.line(status, at: start + .seconds(4)) == nil)
        let line = progress.line(status, at: start + .seconds(5))
        #expect(line?.message == "backfill: 120000/1000000 rows (12%), 10500 rows/s, 84 s left")
        #expect(line?.metadata["seconds_left"] == "84")
        #expect(progress.line(status, at: start + .seconds(6)) == nil)
        #expect(progress.line(status, at: start + .seconds(10)) != nil)
        var running = status
        running.state = .running
        #expect(progress.line(running, at: start + .seconds(20)) == nil)
        // A later backfill starts its own interval.
        #expect(progress.line(status, at: start + .seconds(21)) == nil)
    }

    @Test("a backfill whose table size is unknown shows rows only")
    func unknownTotal() {
        #expect(BackfillProgress.message(Self.backfilling(rows: 7, total: nil, rate: nil, left: nil)) == "backfill: 7 rows")
    }

    @Test("records taken in by reconciliation: the first chunk at once, then a running total at most every interval")
    func reconcileProgress() {
        var progress = ReconcileProgress(every: .seconds(5))
        let start = ContinuousClock.now
        #expect(progress.note(collection: "contacts", records: 1_000, at: start) == "reconciling contacts: 1000 records taken in")
        #expect(progress.note(collection: "contacts", records: 1_000, at: start + .seconds(2)) == nil)
        #expect(progress.note(collection: "contacts", records: 1_000, at: start + .seconds(4)) == nil)
        #expect(progress.note(collection: "contacts", records: 2_000, at: start + .seconds(5))
            == "reconciling contacts: 5000 records taken in so far, 1000 records/s")
        // Another collection has its own line.
        #expect(progress.note(collection: "deals", records: 10, at: start + .seconds(5)) == "reconciling deals: 10 records taken in")
        // A pause longer than the interval starts a new transfer.
        #expect(progress.note(collection: "contacts", records: 7, at: start + .seconds(20)) == "reconciling contacts: 7 records taken in")
    }

    @Test("the retention cut-off is whole days before now, never below 0")
    func cutOff() {
        #expect(AuditRetentionService.cutOff(now: 10 * 86_400_000, retentionDays: 3) == 7 * 86_400_000)
        #expect(AuditRetentionService.cutOff(now: 1_000, retentionDays: 30) == 0)
    }
}
