import Foundation
import TandemDaemon
import Testing

/// The alert rules as a pure state machine: figures and time in, alerts out.
@Suite("alert rules")
struct AlertRulesTests {
    static let thresholds = AlertRules.Thresholds(errorsPerMinute: 5, minParity: 0.99, cooldownMillis: 300_000)
    static let adapter = "contacts/sqlite/customers"

    /// (kind, status, subject) of each alert, for compact expectations.
    static func summary(_ alerts: [Alert]) -> [String] {
        alerts.map { "\($0.kind.rawValue) \($0.status.rawValue)" + ($0.subject.map { " \($0)" } ?? "") }
    }

    @Test("more errors than the limit within a minute fire once, and resolve once the minute holds fewer")
    func errorRate() {
        var rules = AlertRules(thresholds: Self.thresholds, start: 0)
        #expect(rules.evaluate(AlertFigures(errors: 5), now: 10_000).isEmpty)  // 5 is not more than 5
        let fired = rules.evaluate(AlertFigures(errors: 9), now: 20_000)
        #expect(Self.summary(fired) == ["sync_errors firing"])
        #expect(fired.first?.value == 9)
        #expect(fired.first?.threshold == 5)
        #expect(fired.first?.atMillis == 20_000)
        #expect(fired.first?.summary.contains("9 sync errors in the last minute") == true)
        // Still above: nothing new (no repeats while firing).
        #expect(rules.evaluate(AlertFigures(errors: 12), now: 40_000).isEmpty)
        #expect(rules.active.map(\.kind) == [.syncErrors])
        // At 85 s the baseline is the sample at 20 s (9): 3 errors since.
        let resolved = rules.evaluate(AlertFigures(errors: 12), now: 85_000)
        #expect(Self.summary(resolved) == ["sync_errors resolved"])
        #expect(resolved.first?.value == 3)
        #expect(rules.active.isEmpty)
    }

    @Test("a dialled peer disconnected for the limit fires once, names the peer, and resolves when it is back")
    func peerDown() throws {
        let thresholds = AlertRules.Thresholds(errorsPerMinute: 0, minParity: 0, cooldownMillis: 300_000, peerDownMillis: 60_000)
        var rules = AlertRules(thresholds: thresholds, start: 0)
        #expect(rules.evaluate(AlertFigures(peersDown: ["helpdesk": 0, "billing": 59_999]), now: 60_000).isEmpty)
        let fired = rules.evaluate(AlertFigures(peersDown: ["helpdesk": 0, "billing": 60_000]), now: 60_001)
        #expect(Self.summary(fired) == ["peer_down firing billing"])
        #expect(fired.first?.summary.contains("peer billing disconnected for 60 s") == true)
        let payload = AlertPayload(try #require(fired.first), node: "crm", nodeID: "00")
        #expect(payload.peer == "billing" && payload.adapter == nil)
        #expect(rules.evaluate(AlertFigures(peersDown: ["helpdesk": 0, "billing": 90_000]), now: 90_000).isEmpty)
        #expect(Self.summary(rules.evaluate(AlertFigures(peersDown: ["helpdesk": 0, "billing": 0]), now: 95_000))
            == ["peer_down resolved billing"])
        // Off with 0.
        var off = AlertRules(thresholds: Self.thresholds, start: 0)
        #expect(off.evaluate(AlertFigures(peersDown: ["billing": 10_000_000]), now: 10_000_000).isEmpty)
    }

    @Test("errors spread thinly over more than a minute never fire")
    func slowErrors() {
        var rules = AlertRules(thresholds: Self.thresholds, start: 0)
        for step in 1...20 {
            // Two errors every 30 s: at most 4-5 within any minute.
            #expect(rules.evaluate(AlertFigures(errors: step * 2), now: UInt64(step) * 30_000).isEmpty, "step \(step)")
        }
    }

    @Test("a limit of 0 turns the error alert off")
    func errorsOff() {
        var rules = AlertRules(thresholds: .init(errorsPerMinute: 0, minParity: 0, cooldownMillis: 0), start: 0)
        #expect(rules.evaluate(AlertFigures(errors: 1_000, parity: [Self.adapter: 0.1]), now: 1_000).isEmpty)
    }

    @Test("parity below the minimum fires per adapter and resolves when a later check is back")
    func parity() {
        var rules = AlertRules(thresholds: Self.thresholds, start: 0)
        #expect(rules.evaluate(AlertFigures(parity: [Self.adapter: 1]), now: 1_000).isEmpty)
        let low = rules.evaluate(AlertFigures(parity: [Self.adapter: 0.95, "other": 0.999]), now: 2_000)
        #expect(Self.summary(low) == ["low_parity firing \(Self.adapter)"])
        #expect(low.first?.summary.contains("0.9500, below 0.9900") == true)
        #expect(Self.summary(rules.evaluate(AlertFigures(parity: [Self.adapter: 0.99]), now: 3_000))
            == ["low_parity resolved \(Self.adapter)"])
    }

    @Test("a paused adapter and held deletes fire, and resolve when they end")
    func pausedAndHeld() {
        var rules = AlertRules(thresholds: Self.thresholds, start: 0)
        let fired = rules.evaluate(
            AlertFigures(paused: [Self.adapter: "column phone of customers is missing"], heldDeletes: [Self.adapter: 4]),
            now: 1_000)
        #expect(Self.summary(fired) == ["adapter_paused firing \(Self.adapter)", "deletes_held firing \(Self.adapter)"])
        #expect(fired[0].summary.contains("column phone of customers is missing"))
        #expect(fired[1].value == 4)
        #expect(rules.evaluate(AlertFigures(paused: [Self.adapter: "same"], heldDeletes: [Self.adapter: 5]), now: 2_000).isEmpty)
        let resolved = rules.evaluate(AlertFigures(heldDeletes: [Self.adapter: 0]), now: 3_000)
        #expect(Self.summary(resolved) == ["adapter_paused resolved \(Self.adapter)", "deletes_held resolved \(Self.adapter)"])
    }

    @Test("an alert that returns within the cooldown fires again only once the cooldown is over")
    func cooldown() {
        var rules = AlertRules(thresholds: Self.thresholds, start: 0)
        let held = AlertFigures(heldDeletes: [Self.adapter: 1])
        #expect(Self.summary(rules.evaluate(held, now: 1_000)) == ["deletes_held firing \(Self.adapter)"])
        #expect(Self.summary(rules.evaluate(AlertFigures(), now: 2_000)) == ["deletes_held resolved \(Self.adapter)"])
        #expect(rules.evaluate(held, now: 3_000).isEmpty)
        #expect(rules.evaluate(held, now: 300_999).isEmpty)
        #expect(Self.summary(rules.evaluate(held, now: 301_000)) == ["deletes_held firing \(Self.adapter)"])
    }

    @Test("the thresholds come from [alerts]")
    func thresholdsFromSettings() {
        let thresholds = AlertRules.Thresholds(AlertSettings(errorRatePerMinute: 7, minParity: 0.5, cooldownSeconds: 60))
        #expect(thresholds == AlertRules.Thresholds(errorsPerMinute: 7, minParity: 0.5, cooldownMillis: 60_000, peerDownMillis: 300_000))
    }

    @Test("the webhook payload has every key, null where it does not apply")
    func payload() throws {
        let alert = Alert(
            kind: .deletesHeld, status: .firing, subject: Self.adapter, value: 4, threshold: nil, summary: "held",
            atMillis: 1_764_930_000_000)
        let body = String(decoding: try AlertPayload(alert, node: "crm", nodeID: "ab").encode(), as: UTF8.self)
        #expect(body == #"{"adapter":"contacts/sqlite/customers","alert":"deletes_held","at":"2025-12-05T10:20:00Z","node":"crm","node_id":"ab","peer":null,"status":"firing","summary":"held","threshold":null,"value":4}"#)
        let decoded = try AlertPayload.decode(Data(body.utf8))
        #expect(decoded.alert == "deletes_held")
        #expect(decoded.threshold == nil)
    }
}
