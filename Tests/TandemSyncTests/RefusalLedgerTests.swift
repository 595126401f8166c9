import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// Refusals reach the audit log in aggregate: a flood of refused items
/// costs a few rows, every refusal is still in exactly one row, and a peer
/// past the limit is reported once.
@Suite(.ownThread) struct RefusalLedgerTests {
    let peer = TestNetwork.node(7)
    let other = TestNetwork.node(8)

    /// The number of refusals a row stands for.
    func count(_ row: AuditEvent) -> Int {
        guard row.detail.contains("more refusals") else { return 1 }
        return Int(row.detail.prefix { $0 != " " }) ?? 0
    }

    @Test func aFloodOfRefusalsCostsAFewRowsAndLosesNone() {
        var ledger = RefusalLedger(policy: .init(intervalMillis: 1_000, disconnectAfter: 500))
        var rows: [AuditEvent] = []
        var disconnects = 0
        for index in 0..<21_766 {
            let outcome = ledger.record(reason: "bad_signature", detail: "batch \(index)", from: peer, now: 5_000)
            if let audit = outcome.audit { rows.append(audit) }
            if outcome.disconnect { disconnects += 1 }
        }
        _ = ledger.record(reason: "malformed_message", detail: "garbage", from: peer, now: 5_001).audit.map { rows.append($0) }
        _ = ledger.record(reason: "bad_signature", detail: "other", from: other, now: 5_002).audit.map { rows.append($0) }
        #expect(rows.count == 3)
        #expect(disconnects == 1)
        #expect(ledger.flush(now: 5_500).isEmpty, "the interval is not over")
        let aggregated = ledger.flush(now: 6_000)
        #expect(aggregated.count == 1)
        #expect(aggregated.first?.node == peer)
        #expect(aggregated.first?.detail.contains("21765 more refusals (bad_signature)") == true)
        #expect((rows + aggregated).map(count).reduce(0, +) == 21_768)
        #expect(ledger.pending == 0)
    }

    @Test func aNewIntervalAuditsAgainAndCarriesTheLastOnesRow() {
        var ledger = RefusalLedger(policy: .init(intervalMillis: 1_000, disconnectAfter: 3))
        #expect(ledger.record(reason: "r", detail: "1", from: peer, now: 0).audit != nil)
        #expect(ledger.record(reason: "r", detail: "2", from: peer, now: 10).audit == nil)
        #expect(ledger.record(reason: "r", detail: "3", from: peer, now: 20).audit == nil)
        #expect(ledger.record(reason: "r", detail: "4", from: peer, now: 30).disconnect)
        // After the interval: audited at once again, and the last interval's
        // row is waiting.
        let next = ledger.record(reason: "r", detail: "5", from: peer, now: 1_500)
        #expect(next.audit?.detail == "5")
        #expect(!next.disconnect)
        let rows = ledger.flush(now: 1_600)
        #expect(rows.count == 1)
        #expect(rows.first?.detail.hasPrefix("3 more refusals (r)") == true)
        // At shutdown, everything.
        _ = ledger.record(reason: "r", detail: "6", from: peer, now: 1_700)
        #expect(ledger.flush(now: 1_700, everything: true).first?.detail.hasPrefix("1 more refusals") == true)
    }

    @Test func unidentifiedConnectionsAreCountedTogetherAndNeverCutOff() {
        var ledger = RefusalLedger(policy: .init(intervalMillis: 1_000, disconnectAfter: 1))
        var rows = 0
        for _ in 0..<3_000 {
            let outcome = ledger.record(reason: "transport_unknown_peer", detail: "x", from: nil, now: 0)
            if outcome.audit != nil { rows += 1 }
            #expect(!outcome.disconnect)
        }
        #expect(rows == 1)
        #expect(ledger.flush(now: 1_000).first?.detail.contains("2999 more refusals") == true)
    }
}
