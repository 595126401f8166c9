import Foundation
@testable import TandemAdapters
import TandemTestSupport
import Testing

/// The capture triggers' edit time: SQLite's Julian day is a double, and
/// the milliseconds must come out exact, not one early.
@Suite("SQLite edit times")
struct EditTimeStampTests {
    @Test("every millisecond of a second converts to its own Unix milliseconds")
    func millisecondsAreExact() async throws {
        // 2026-12-05 12:00:00 UTC.
        let base: Int64 = 1_796_472_000_000
        let stamp = SQLiteCaptureSQL.unixMillis(
            julianDay: "julianday('2026-12-05 12:00:00', '+' || (n / 1000.0) || ' seconds')")
        let wrong = try await sqlite3(":memory:", """
            WITH RECURSIVE offsets(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM offsets WHERE n < 999)
            SELECT count(*) FROM offsets WHERE \(stamp) != \(base) + n;
            """)
        #expect(wrong == "0")
    }
}
