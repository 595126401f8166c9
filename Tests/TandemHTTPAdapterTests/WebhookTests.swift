import Foundation
import TandemAdapterCore
import TandemFakeSaaS
import TandemHTTPAdapter
import TandemTestSupport
import Testing

/// The helpdesk's webhooks against the driver's receiver: duplicates, late
/// and out-of-order deliveries, bad signatures, echoes of the driver's own
/// writes.
@Suite("HTTP driver webhooks")
struct WebhookTests {
    /// A driver for the fake helpdesk with its webhook receiver on loopback,
    /// subscribed, with its list walked (so its shadows are known).
    struct Fixture {
        let directory: TemporaryDirectory
        let helpdesk: FakeHelpdesk
        let driver: HTTPDriver

        static func start(_ name: String) async throws -> Fixture {
            let directory = try TemporaryDirectory("http-webhook-" + name)
            let helpdesk = try await FakeHelpdesk.start()
            let connector = FakeConnectors.helpdesk(
                baseURL: helpdesk.baseURL, pollMillis: nil, webhook: ("127.0.0.1", 0, try secretFile(directory, "zd-secret")))
            let driver = try standaloneDriver(connector, directory)
            try await driver.attach(columns: [])
            guard let port = driver.boundWebhookPort else { throw Timeout(what: "the webhook receiver") }
            helpdesk.subscribe(url: "http://127.0.0.1:\(port)/hooks/helpdesk", secret: "zd-secret")
            return Fixture(directory: directory, helpdesk: helpdesk, driver: driver)
        }

        func stop() async {
            await driver.close()
            await helpdesk.stop()
            directory.remove()
        }

        func changes() async throws -> [CapturedChange] { try await driver.changes(after: 0, limit: 100).changes }
    }

    @Test("a webhook delivered twice is captured once")
    func duplicates() async throws {
        let fixture = try await Fixture.start("twice")
        defer { Task { await fixture.stop() } }
        fixture.helpdesk.records.setFaults { $0.duplicateWebhooks = true }
        let ada = fixture.helpdesk.createUser(["email": "ada@example.com", "name": "Ada"])
        fixture.helpdesk.editUser(ada.id, ["phone": "+33 1"])
        try await eventually("four deliveries accepted") { fixture.driver.stats.webhooksAccepted == 4 }
        let changes = try await fixture.changes()
        #expect(changes.map(\.kind) == [.insert, .update])
        #expect(changes.last?.new?["phone"] == .text("+33 1"))
        #expect(fixture.driver.stats.stale == 2)
    }

    @Test("late webhooks delivered out of order: only the newest modification counts, in modification-time order")
    func lateAndOutOfOrder() async throws {
        let fixture = try await Fixture.start("order")
        defer { Task { await fixture.stop() } }
        let ada = fixture.helpdesk.createUser(["email": "ada@example.com", "name": "Ada"])
        try await eventually("the creation captured") { try await fixture.changes().count == 1 }
        fixture.helpdesk.records.setFaults { $0.holdWebhooks = true }
        fixture.helpdesk.editUser(ada.id, ["name": "Ada L."])
        fixture.helpdesk.editUser(ada.id, ["name": "Ada Lovelace"])
        guard let newest = fixture.helpdesk.editUser(ada.id, ["phone": "+33 1"]) else { throw Timeout(what: "the edit") }
        #expect(fixture.helpdesk.webhooks.heldCount == 3)
        fixture.helpdesk.records.setFaults { $0.holdWebhooks = false }
        fixture.helpdesk.webhooks.releaseWebhooks(reversed: true)
        try await eventually("three late deliveries accepted") { fixture.driver.stats.webhooksAccepted == 4 }
        let changes = try await fixture.changes()
        // The newest arrived first and was captured; the two older ones were refused as stale.
        #expect(changes.count == 2)
        #expect(changes.last?.new?["name"] == .text("Ada Lovelace"))
        #expect(changes.last?.new?["phone"] == .text("+33 1"))
        #expect(changes.last?.editedAtMillis == newest.updatedMillis)
        #expect(fixture.driver.stats.stale == 2)
    }

    @Test("a webhook with a bad signature is refused (401) and counted, and nothing is captured")
    func badSignature() async throws {
        let fixture = try await Fixture.start("signature")
        defer { Task { await fixture.stop() } }
        let rejected = fixture.driver.stats.webhooksRejected
        fixture.helpdesk.records.setFaults { $0.badSignature = true }
        fixture.helpdesk.createUser(["email": "mallory@example.com", "name": "Mallory"])
        try await eventually("the delivery refused with 401") {
            fixture.driver.stats.webhooksRejected == rejected + 1 && fixture.helpdesk.webhooks.statuses.last == 401
        }
        #expect(try await fixture.changes().isEmpty)
        // A correctly signed one is accepted.
        fixture.helpdesk.records.setFaults { $0.badSignature = false }
        fixture.helpdesk.createUser(["email": "ada@example.com", "name": "Ada"])
        try await eventually("the signed delivery accepted") { fixture.driver.stats.webhooksAccepted == 1 }
        #expect(try await fixture.changes().count == 1)
    }

    @Test("the webhook of the driver's own write is an echo; a delete webhook captures a delete")
    func echoAndDelete() async throws {
        let fixture = try await Fixture.start("echo")
        defer { Task { await fixture.stop() } }
        let outcomes = try await fixture.driver.apply(
            [.insert(record: "email:ada@example.com", key: nil, columns: ["email": .text("ada@example.com"), "name": .text("Ada")])],
            capturedThrough: 0)
        guard case .written(let key, _) = outcomes.first else {
            Issue.record("expected the insert written, got \(outcomes)")
            return
        }
        try await eventually("the creation's webhook recognised as an echo") { fixture.driver.stats.echoes == 1 }
        let captured = try await fixture.changes()
        #expect(captured.isEmpty, "\(captured) \(fixture.driver.stats)")
        guard let id = Int(key) else { throw Timeout(what: "an integer key") }
        fixture.helpdesk.deleteUser(id)
        try await eventually("the delete captured") { try await fixture.changes().map(\.kind) == [.delete] }
        #expect(try await fixture.changes().first?.old?["email"] == .text("ada@example.com"))
        // Until that delete is captured, writing the record again waits: the user does not come back.
        let again: [ExternalWrite] = [
            .insert(record: "email:ada@example.com", key: nil, columns: ["email": .text("ada@example.com"), "name": .text("Ada")])]
        #expect(try await fixture.driver.apply(again, capturedThrough: 0) == [.deferred])
        #expect(fixture.helpdesk.records.object(id) == nil)
        let through = try await fixture.changes().last?.sequence ?? 0
        guard case .written = try await fixture.driver.apply(again, capturedThrough: through).first else {
            Issue.record("once the delete is captured the insert is the runner's decision, and goes through")
            return
        }
    }
}
