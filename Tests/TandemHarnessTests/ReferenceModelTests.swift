import TandemHarness
import TandemTestSupport
import Testing

/// The reference model, the model check and the audit check on made-up
/// edits and states: each rule decides what it should, and each check
/// catches what it is for.
@Suite("tandem-harness reference model and audit check", .ownThread)
struct ReferenceModelTests {
    static let key = "ada@example.com"
    static let ids = [String(repeating: "a", count: 64), String(repeating: "b", count: 64), String(repeating: "c", count: 64)]

    static func edit(
        _ node: Int, _ written: [String: String?], at start: Int64, length: Int64 = 2, deleted: Bool = false, step: Int = 1
    ) -> AppliedEdit {
        var edit = AppliedEdit(node: node, step: step, key: key)
        edit.written = written
        edit.deleted = deleted
        edit.rows = 1
        edit.startMillis = start
        edit.endMillis = start + length
        return edit
    }

    static func insert(_ node: Int, name: String, at start: Int64, tags: [String] = []) -> AppliedEdit {
        var edit = Self.edit(node, ["email": key, "name": name, "phone": nil, "note": nil], at: start)
        edit.tagsAdded = tags
        return edit
    }

    static func state(name: String?, at millis: UInt64, by writer: Int, tags: Set<String> = [], email: UInt64? = 1_000) -> NodeState {
        var fields: [String: NodeState.Winner] = [:]
        if let email { fields["email"] = NodeState.Winner(value: key, editedAtMillis: email, writer: ids[0]) }
        if let name { fields["name"] = NodeState.Winner(value: name, editedAtMillis: millis, writer: ids[writer]) }
        return NodeState(records: [key: NodeState.Record(fields: fields, tags: tags)])
    }

    @Test("a later edit determines the field; overlapping windows allow either; an equal time decides nothing")
    func lastWriterWinsByEditTime() {
        let insert = Self.insert(0, name: "Ada", at: 1_000)
        let later = Self.edit(1, ["name": "Ada L"], at: 2_000)
        var model = ReferenceModel(edits: [insert, later])
        #expect(model.records[Self.key]?.fields["name"]?.allowed.keys.sorted { ($0 ?? "") < ($1 ?? "") } == ["Ada L"])
        #expect(model.records[Self.key]?.mustExist == true)
        // Within the clock margin of each other: concurrent.
        let close = Self.edit(2, ["name": "Countess"], at: 2_004)
        model = ReferenceModel(edits: [insert, later, close])
        #expect(Set(model.records[Self.key]?.fields["name"]?.allowed.keys.map { $0 ?? "NULL" } ?? []) == ["Ada L", "Countess"])
        #expect(model.records[Self.key]?.fields["name"]?.isDetermined == false)
        // Surely later than the margin: determined again.
        let clear = Self.edit(2, ["name": "Countess"], at: 2_007)
        model = ReferenceModel(edits: [insert, later, clear])
        #expect(model.records[Self.key]?.fields["name"]?.allowed.keys.map { $0 ?? "NULL" } == ["Countess"])
    }

    @Test("a delete makes what it may have seen possibly gone; a write surely after it must survive")
    func deletes() {
        let insert = Self.insert(0, name: "Ada", at: 1_000)
        let delete = Self.edit(1, [:], at: 2_000, deleted: true)
        var model = ReferenceModel(edits: [insert, delete])
        #expect(model.records[Self.key]?.mustExist == false)
        #expect(model.records[Self.key]?.fields["name"]?.allowed.keys.contains(nil) == true)
        let after = Self.edit(2, ["phone": "+1"], at: 3_000)
        model = ReferenceModel(edits: [insert, delete, after])
        #expect(model.records[Self.key]?.mustExist == true)
        #expect(model.records[Self.key]?.fields["phone"]?.allowed.keys.map { $0 ?? "NULL" } == ["+1"])
        #expect(model.records[Self.key]?.fields["name"]?.allowed.keys.contains(nil) == true)
    }

    @Test("a NULL or a repeated value is weak: it may be the value but supersedes nothing")
    func weakWrites() {
        let insert = Self.insert(0, name: "Ada", at: 1_000)
        let null = Self.edit(1, ["name": nil], at: 2_000)
        let model = ReferenceModel(edits: [insert, null])
        #expect(Set(model.records[Self.key]?.fields["name"]?.allowed.keys.map { $0 ?? "NULL" } ?? []) == ["Ada", "NULL"])
    }

    @Test("the model check catches a wrong value, a wrong edit time, a wrong writer, a missing record and a set element from nowhere")
    func modelCheck() {
        let insert = Self.insert(0, name: "Ada", at: 1_000, tags: ["vip"])
        let later = Self.edit(1, ["name": "Ada L"], at: 2_000)
        let model = ReferenceModel(edits: [insert, later])
        let good = Self.state(name: "Ada L", at: 2_001, by: 1, tags: ["vip"])
        #expect(ModelCheck.findings(states: [good, good], model: model, nodeIDs: Self.ids).findings.isEmpty)
        #expect(ModelCheck.findings(states: [good], model: model, nodeIDs: Self.ids).coverage.determined == 4)
        let lost = Self.state(name: "Ada", at: 1_001, by: 0, tags: ["vip"])
        #expect(ModelCheck.findings(states: [lost], model: model, nodeIDs: Self.ids).findings.count == 1)
        let wrongTime = Self.state(name: "Ada L", at: 2_500, by: 1, tags: ["vip"])
        #expect(ModelCheck.findings(states: [wrongTime], model: model, nodeIDs: Self.ids).findings.count == 1)
        let wrongWriter = Self.state(name: "Ada L", at: 2_001, by: 2, tags: ["vip"])
        #expect(ModelCheck.findings(states: [wrongWriter], model: model, nodeIDs: Self.ids).findings.count == 1)
        #expect(ModelCheck.findings(states: [NodeState(records: [:])], model: model, nodeIDs: Self.ids).findings.count == 1)
        let noTag = Self.state(name: "Ada L", at: 2_001, by: 1, tags: [])
        #expect(ModelCheck.findings(states: [noTag], model: model, nodeIDs: Self.ids).findings.count == 1)
        let strayTag = Self.state(name: "Ada L", at: 2_001, by: 1, tags: ["vip", "churn"])
        #expect(ModelCheck.findings(states: [strayTag], model: model, nodeIDs: Self.ids).findings.count == 1)
    }

    @Test("a lost value must be named the loser in an audit log, unless an edit that saw it replaced it")
    func auditCheck() throws {
        let insert = Self.insert(0, name: "Ada", at: 1_000)
        let concurrent = Self.edit(1, ["name": "Ada L"], at: 2_000, length: 10)
        let winner = Self.edit(2, ["name": "Countess"], at: 2_005, length: 10)
        let final = Self.state(name: "Countess", at: 2_010, by: 2)
        // "Ada" was replaced by edits that did not see it, and "Ada L" lost
        // to a concurrent edit: both need the audit log's word.
        #expect(AuditCheck.findings(final: final, edits: [insert, concurrent, winner], conflicts: []).count == 2)
        let json = """
            [{"kind": "conflict", "collection": "contacts", "record": "email:ada@example.com",
              "detail": "field name: \\"Countess\\" (2010.0@cc) won over \\"Ada L\\" written 2003.0@bb as dot bb:1 restore={\\"field\\":\\"name\\",\\"type\\":\\"string\\",\\"value\\":\\"Ada L\\"}"},
             {"kind": "conflict", "collection": "contacts", "record": "email:ada@example.com",
              "detail": "contacts/sqlite/customers: field name: captured \\"Ada\\" edited 1970 lost to \\"Ada L\\" edited 1970; row 1 set back"}]
            """
        let conflicts = try AuditCheck.conflicts(auditJSON: json)
        #expect(conflicts.count == 2)
        #expect(AuditCheck.findings(final: final, edits: [insert, concurrent, winner], conflicts: conflicts).isEmpty)
        // Without the second event, "Ada" is named nowhere.
        #expect(AuditCheck.findings(final: final, edits: [insert, concurrent, winner], conflicts: [conflicts[0]]).count == 1)
        // An edit whose row showed "Ada" replaced it knowingly.
        var saw = concurrent
        saw.before = ["name": "Ada"]
        #expect(AuditCheck.findings(final: final, edits: [insert, saw, winner], conflicts: [conflicts[0]]).isEmpty)
    }

    @Test("durations read with and without units")
    func durations() {
        #expect(DurationText.seconds("90") == 90)
        #expect(DurationText.seconds("2.5") == 2.5)
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("10m") == 600)
        #expect(DurationText.seconds("1h") == 3_600)
        #expect(DurationText.seconds("1d") == nil)
        #expect(DurationText.seconds("-5") == nil)
        #expect(DurationText.seconds("h") == nil)
    }
}
