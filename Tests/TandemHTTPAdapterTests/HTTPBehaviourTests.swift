import Foundation
import TandemAdapterCore
import TandemAdapters
import TandemFakeSaaS
import TandemHTTPAdapter
import TandemTestSupport
import Testing

/// What SaaS APIs force on the driver, one behaviour per test, against the
/// fake APIs on loopback with the fault switched on.
@Suite("HTTP driver behaviours")
struct HTTPBehaviourTests {
    @Test("HTTP 429 is waited out for its Retry-After, then the request succeeds")
    func rateLimitHonoured() async throws {
        let directory = try TemporaryDirectory("http-429")
        defer { directory.remove() }
        let crm = try await FakeCRM.start()
        defer { Task { await crm.stop() } }
        crm.createContact(["email": "ada@example.com"])
        let driver = try standaloneDriver(FakeConnectors.crm(baseURL: crm.baseURL, pollMillis: nil), directory)
        defer { Task { await driver.close() } }
        crm.records.setFaults { $0.rateLimitNext = 2; $0.retryAfter = "0.3" }
        let rows = try await driver.snapshot(after: nil, limit: 10)
        #expect(rows.count == 1)
        #expect(crm.records.rateLimitedCount == 2)
        // The driver counts each 429 it read (on a loaded machine one may
        // reach it after its own timeout, and count as a timeout instead).
        #expect((1...2).contains(driver.stats.rateLimited))
        // The request after each 429 came at least Retry-After (300 ms) later.
        let times = crm.records.requests.map(\.atMillis)
        for limited in crm.records.rateLimitedAtMillis {
            let next = times.first { $0 > limited }
            #expect(next.map { $0 - limited >= 290 } == true, "429 at \(limited), requests at \(times)")
        }
    }

    @Test("the request budget spaces requests: no more than burst + rate x time")
    func requestBudget() async throws {
        let directory = try TemporaryDirectory("http-budget")
        defer { directory.remove() }
        let crm = try await FakeCRM.start()
        defer { Task { await crm.stop() } }
        for index in 0..<8 { crm.createContact(["email": "user\(index)@example.com"]) }
        // One contact per page: 9 list requests, 5 per second with a burst of 1.
        let driver = try standaloneDriver(
            FakeConnectors.crm(baseURL: crm.baseURL, pollMillis: nil, pageSize: 1, requestsPerSecond: 5, burst: 1), directory)
        defer { Task { await driver.close() } }
        let started = ContinuousClock.now
        let rows = try await driver.snapshot(after: nil, limit: 100)
        let elapsed = ContinuousClock.now - started
        #expect(rows.count == 8)
        // Eight pages, and no more unless a request timed out and was sent again.
        #expect(crm.records.requests.count >= 8)
        // One token at once, then 5 per second: the eighth request cannot
        // leave before 7 x 200 ms (a lower bound load can only lengthen).
        #expect(elapsed >= .milliseconds(1_390))
        // The driver waited for tokens, unless (a loaded machine) each
        // request took longer than the budget's spacing anyway.
        #expect(driver.stats.budgetWaitMillis > 0 || elapsed >= .milliseconds(1_600))
    }

    @Test("a 5xx blip is retried with backoff; a failure that outlasts the retries keeps the write for later")
    func serverErrorsRetried() async throws {
        let directory = try TemporaryDirectory("http-5xx")
        defer { directory.remove() }
        let crm = try await FakeCRM.start()
        defer { Task { await crm.stop() } }
        let driver = try standaloneDriver(FakeConnectors.crm(baseURL: crm.baseURL, pollMillis: nil, retries: 3), directory)
        defer { Task { await driver.close() } }
        _ = try await driver.snapshot(after: nil, limit: 10)

        crm.records.setFaults { $0.failNext = 2 }
        let blip = try await driver.apply(
            [.insert(record: "email:ada@example.com", key: nil, columns: ["email": .text("ada@example.com")])], capturedThrough: 0)
        guard case .written(let key, _) = blip.first else {
            Issue.record("expected the insert written after the blip, got \(blip)")
            return
        }
        #expect(crm.records.object(Int(key) ?? -1)?.fields["email"] == .string("ada@example.com"))
        // Two 503s, each retried (a loaded machine may add a retry after a timeout).
        #expect(driver.stats.retried >= 2)

        crm.records.setFaults { $0.failNext = 100 }
        let outage = try await driver.apply(
            [.insert(record: "email:bob@example.com", key: nil, columns: ["email": .text("bob@example.com")])], capturedThrough: 0)
        guard case .failed(let message) = outage.first else {
            Issue.record("expected the insert failed (kept for retry), got \(outage)")
            return
        }
        #expect(message.contains("503"))
        #expect(crm.contact(email: "bob@example.com") == nil)
    }

    @Test("an outage of the CRM keeps the record in the runner's retry queue until the CRM answers again")
    func outageKeepsRecord() async throws {
        let pair = try await CRMSupportPair.start("outage", seedCRM: { $0.createContact(["email": "ada@example.com"]) })
        defer { Task { await pair.stop() } }
        try await eventually("ada in SQLite") { try await pair.sql("SELECT count(*) FROM customers") == "1" }
        pair.crm.records.setFaults { $0.failNext = 1_000_000 }
        try await pair.sql("INSERT INTO customers (email, first_name) VALUES ('eve@example.com', 'Eve');")
        try await eventually("eve waiting in the CRM adapter's retry queue") { await pair.crmSide.status().retrying >= 1 }
        #expect(pair.crm.contact(email: "eve@example.com") == nil)
        pair.crm.records.setFaults { $0.failNext = 0 }
        try await eventually("eve in the CRM once it answers") {
            pair.crm.contact(email: "eve@example.com")?.fields["firstname"] == .string("Eve")
        }
        try await eventually("the retry queue empty") { await pair.crmSide.status().retrying == 0 }
    }

    @Test("a stale ETag (412) re-reads the object: the newer edit is captured first, the write deferred")
    func etagConflict() async throws {
        let directory = try TemporaryDirectory("http-etag")
        defer { directory.remove() }
        let crm = try await FakeCRM.start()
        defer { Task { await crm.stop() } }
        let ada = crm.createContact(["email": "ada@example.com", "firstname": "Ada"])
        let driver = try standaloneDriver(FakeConnectors.crm(baseURL: crm.baseURL, pollMillis: nil), directory)
        defer { Task { await driver.close() } }
        _ = try await driver.snapshot(after: nil, limit: 10)
        let key = String(ada.id)
        // The driver knows the object's ETag (a first update reads it), then someone edits it in the CRM.
        let first = try await driver.apply(
            [.update(record: "email:ada@example.com", key: key, columns: ["phone": .text("+1 1")])], capturedThrough: 0)
        #expect(first == [.written(key: key, lastValues: nil)])
        crm.editContact(ada.id, ["lastname": "King"])
        let outcome = try await driver.apply(
            [.update(record: "email:ada@example.com", key: key, columns: ["phone": .text("+1 2")])], capturedThrough: 0)
        #expect(outcome == [.deferred])
        #expect(driver.stats.conflicts == 1)
        #expect(crm.records.object(ada.id)?.fields["phone"] == .string("+1 1"))
        // The re-read put the CRM's edit in the outbox, with the CRM's modification time.
        let read = try await driver.changes(after: 0, limit: 10)
        #expect(read.changes.count == 1)
        #expect(read.changes.first?.new?["lastname"] == .text("King"))
        #expect(read.changes.first?.editedAtMillis == crm.records.object(ada.id)?.updatedMillis)
        // Once captured (after that change), the write goes through with the fresh ETag.
        let last = read.changes.last?.sequence ?? 0
        let retried = try await driver.apply(
            [.update(record: "email:ada@example.com", key: key, columns: ["phone": .text("+1 2")])], capturedThrough: last)
        #expect(retried == [.written(key: key, lastValues: nil)])
        #expect(crm.records.object(ada.id)?.fields["phone"] == .string("+1 2"))
        #expect(crm.records.object(ada.id)?.fields["lastname"] == .string("King"))
    }

    @Test("a stale version field (409) re-reads the user and defers the write")
    func versionConflict() async throws {
        let directory = try TemporaryDirectory("http-version")
        defer { directory.remove() }
        let helpdesk = try await FakeHelpdesk.start()
        defer { Task { await helpdesk.stop() } }
        let ada = helpdesk.createUser(["email": "ada@example.com", "name": "Ada"])
        let driver = try standaloneDriver(FakeConnectors.helpdesk(baseURL: helpdesk.baseURL, pollMillis: 60_000), directory)
        defer { Task { await driver.close() } }
        _ = try await driver.snapshot(after: nil, limit: 10)
        helpdesk.editUser(ada.id, ["phone": "+33 1"])
        let outcome = try await driver.apply(
            [.update(record: "email:ada@example.com", key: String(ada.id), columns: ["name": .text("Ada L.")])], capturedThrough: 0)
        #expect(outcome == [.deferred])
        #expect(driver.stats.conflicts == 1)
        #expect(helpdesk.records.object(ada.id)?.fields["name"] == .string("Ada"))
        let read = try await driver.changes(after: 0, limit: 10)
        #expect(read.changes.map { $0.new?["phone"] } == [.text("+33 1")])
    }

    @Test("a batch with one value the API refuses: that write fails alone, the others are written")
    func partialBatchFailure() async throws {
        let directory = try TemporaryDirectory("http-partial")
        defer { directory.remove() }
        let helpdesk = try await FakeHelpdesk.start()
        defer { Task { await helpdesk.stop() } }
        let driver = try standaloneDriver(FakeConnectors.helpdesk(baseURL: helpdesk.baseURL, pollMillis: 60_000), directory)
        defer { Task { await driver.close() } }
        _ = try await driver.snapshot(after: nil, limit: 10)
        helpdesk.records.setFaults { $0.refuseEmailsContaining = "invalid" }
        let writes: [ExternalWrite] = ["ada@example.com", "not-valid@invalid", "bob@example.com"].map {
            .insert(record: "email:" + $0, key: nil, columns: ["email": .text($0), "renewal_date": .text("2027-03-01")])
        }
        let outcomes = try await driver.apply(writes, capturedThrough: 0)
        #expect(outcomes.count == 3)
        guard outcomes.count == 3 else { return }
        if case .written = outcomes[0] {} else { Issue.record("first: \(outcomes[0])") }
        if case .failed(let message) = outcomes[1] { #expect(message.contains("422")) } else { Issue.record("second: \(outcomes[1])") }
        if case .written = outcomes[2] {} else { Issue.record("third: \(outcomes[2])") }
        #expect(helpdesk.users.count == 2)
        // The nested field went where the connector says.
        #expect(helpdesk.user(email: "bob@example.com")?.fields["user_fields"] == .object(["renewal_date": .string("2027-03-01")]))
        // The written users are mapped to their records.
        let keys = try await driver.keys(forRecords: ["email:ada@example.com", "email:bob@example.com", "email:not-valid@invalid"])
        #expect(keys.count == 2)
    }

    @Test("numbered pages that shift under the reader (a delete ahead of it) are walked again: no user is skipped")
    func paginationChangesUnderReader() async throws {
        let directory = try TemporaryDirectory("http-pages")
        defer { directory.remove() }
        let helpdesk = try await FakeHelpdesk.start()
        defer { Task { await helpdesk.stop() } }
        let users = (1...5).map { helpdesk.createUser(["email": "user\($0)@example.com", "name": "User \($0)"]) }
        let driver = try standaloneDriver(FakeConnectors.helpdesk(baseURL: helpdesk.baseURL, pollMillis: 60_000, pageSize: 2), directory)
        defer { Task { await driver.close() } }
        // After page 1 (users 1 and 2) is served, user 1 is deleted: page 2
        // then holds users 4 and 5, and user 3 would be skipped.
        helpdesk.records.setFaults { $0.deleteDuringListing = String(users[0].id) }
        let rows = try await driver.snapshot(after: nil, limit: 100)
        let emails = Set(rows.compactMap { row -> String? in
            if case .text(let email) = row.columns["email"] ?? .null { return email }
            return nil
        })
        for index in 2...5 { #expect(emails.contains("user\(index)@example.com")) }
        // The shift was seen and the list walked again, unless (a loaded
        // machine) page 1 timed out and its retry already read the shifted list.
        #expect(driver.stats.rewalks >= 1 || driver.stats.retried > 0, "\(driver.stats)")
    }
}
