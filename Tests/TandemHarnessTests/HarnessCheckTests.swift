import TandemHarness
import TandemTestSupport
import Testing

/// The harness's checks and schedule without processes: the checks catch
/// what they are for, and a seed gives one schedule.
@Suite("tandem-harness checks and schedule", .ownThread)
struct HarnessCheckTests {
    static func edit(_ node: Int, _ key: String, _ written: [String: String], at start: Int64, deleted: Bool = false) -> AppliedEdit {
        var edit = AppliedEdit(node: node, step: 1, key: key)
        edit.written = written
        edit.deleted = deleted
        edit.rows = 1
        edit.startMillis = start
        edit.endMillis = start + 2
        return edit
    }

    @Test("a seed gives the same schedule every time; another seed another one")
    func scheduleIsSeeded() {
        let generator = ScheduleGenerator(nodes: 4, links: HarnessTopology.ring.links(nodes: 4), durationMillis: 20_000)
        let first = generator.schedule(seed: 99).description
        #expect(first == generator.schedule(seed: 99).description)
        #expect(first != generator.schedule(seed: 100).description)
        let schedule = generator.schedule(seed: 99)
        #expect(schedule.events.map(\.atMillis) == schedule.events.map(\.atMillis).sorted())
        #expect(schedule.events.allSatisfy { $0.atMillis <= 20_000 })
        #expect(schedule.events.contains { if case .kill = $0.action { true } else { false } })
        #expect(schedule.events.contains { if case .startFault = $0.action { true } else { false } })
    }

    @Test("a long fault phase keeps the fault and kill rates: about one link fault per 2.5 s and one SIGKILL per 12 s")
    func longSchedulesKeepTheirRates() {
        let generator = ScheduleGenerator(nodes: 3, links: HarnessTopology.ring.links(nodes: 3), durationMillis: 600_000)
        let events = generator.schedule(seed: 4242).events
        let faults = events.filter { if case .startFault = $0.action { true } else { false } }.count
        let kills = events.filter { if case .kill = $0.action { true } else { false } }.count
        #expect(faults >= 200, "\(faults) link faults of 240 drawn")
        #expect(kills >= 30, "\(kills) kills of 50 drawn")
        // Spread over the whole phase, not bunched at its end.
        let firstKill = events.first { if case .kill = $0.action { true } else { false } }?.atMillis ?? .max
        #expect(firstKill < 60_000)
    }

    @Test("topologies link the nodes as named")
    func topologies() {
        #expect(HarnessTopology.pair.links(nodes: 2) == [HarnessLink(a: 0, b: 1)])
        #expect(HarnessTopology.line.links(nodes: 4).count == 3)
        #expect(HarnessTopology.ring.links(nodes: 4).count == 4)
        #expect(HarnessTopology.mesh.links(nodes: 5).count == 10)
    }

    @Test("a table that differs, a duplicate and a lost edit are each reported")
    func checksCatchFaults() {
        let ada = TableRow(fields: ["email": "ada@example.com", "name": "Ada"], tags: ["vip"])
        var other = ada
        other.fields["name"] = "Ada L"
        #expect(TableComparison.differences([[ada], [ada]]).isEmpty)
        #expect(TableComparison.differences([[ada], [other]]).first?.contains("name") == true)
        #expect(TableComparison.differences([[ada], []]).first?.contains("absent on n2") == true)
        #expect(TableComparison.duplicates([[ada, other]]).count == 1)

        let key = "ada@example.com"
        var insert = Self.edit(0, key, ["email": key, "name": "Ada"], at: 1_000)
        insert.tagsAdded = ["vip"]
        let later = Self.edit(1, key, ["name": "Ada L"], at: 2_000)
        // The later edit must win: a table still showing the earlier one lost it.
        #expect(EditHistoryCheck.findings(final: [other], edits: [insert, later]).isEmpty)
        #expect(EditHistoryCheck.findings(final: [TableRow(fields: ["email": key, "name": "Ada"], tags: [])], edits: [insert, later]).count == 1)
        // Concurrent edits (overlapping windows): either may win.
        let concurrent = Self.edit(2, key, ["name": "Countess"], at: 2_001)
        #expect(EditHistoryCheck.findings(final: [other], edits: [insert, later, concurrent]).isEmpty)
        // A record gone without a delete is lost; with one it is not.
        #expect(EditHistoryCheck.findings(final: [], edits: [insert]).count == 1)
        #expect(EditHistoryCheck.findings(final: [], edits: [insert, Self.edit(1, key, [:], at: 3_000, deleted: true)]).isEmpty)
        // A value no edit wrote.
        #expect(!EditHistoryCheck.findings(final: [TableRow(fields: ["email": key, "name": "Mallory"], tags: [])], edits: [insert]).isEmpty)
    }

    @Test("adapter writes beyond what the edits warrant are an echo")
    func echo() {
        let key = "ada@example.com"
        let edits = [Self.edit(0, key, ["name": "Ada"], at: 1_000), Self.edit(1, key, ["name": "Ada L"], at: 2_000)]
        // n1 made one write itself; the adapter made two: warranted by two edits.
        #expect(EchoCheck.findings(counts: [[key: 3]], edits: edits, restarts: [0]).isEmpty)
        #expect(EchoCheck.findings(counts: [[key: 9]], edits: edits, restarts: [0]).count == 1)
    }
}
