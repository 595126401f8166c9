import TandemAdapterCore
import Foundation
import TandemCore
import TandemTestSupport
import Testing

/// Properties of the pure adapter core over generated histories of row
/// edits on two systems (inserts with colliding match keys, updates of the
/// same and different fields, deletes concurrent with updates, set edits),
/// synced at random points through two CRDT replicas:
/// - capturing the adapter's own writes again (as if the marker failed)
///   loses nothing and makes no table write again (no ping-pong);
/// - once synced, both tables hold the same rows and both replicas are equal.
@Suite("Adapter core over generated histories", .ownThread)
struct AdapterHistoryPropertyTests {
    static let crm = NodeID(byte: 0x11)
    static let helpdesk = NodeID(byte: 0x22)

    static func system(_ name: String, node: NodeID, columns: [String: String], types: [String: ColumnType]) -> SimulatedSystem {
        let mapping = AdapterMapping(
            name: name, collection: "contacts", table: name, keyColumn: "id",
            fields: columns.sorted { $0.key < $1.key }.map {
                FieldBinding(field: $0.key, column: $0.value, isSet: $0.key == "tags")
            },
            match: MatchRule(field: "email"))
        var schema = TableSchema(table: name, keyColumn: "id", columns: ["id": .integer])
        for (field, column) in columns { schema.columns[column] = types[field] }
        return SimulatedSystem(mapping: mapping, schema: schema, node: node)
    }

    static func pair() -> (SimulatedSystem, SimulatedSystem) {
        (system("crm", node: crm,
                columns: ["email": "email", "name": "full_name", "phone": "phone", "tags": "tags", "vip": "vip"],
                types: ["email": .text, "name": .text, "phone": .text, "tags": .text, "vip": .boolean]),
         system("helpdesk", node: helpdesk,
                columns: ["email": "mail", "name": "name", "phone": "tel", "tags": "labels", "vip": "is_vip"],
                types: ["email": .text, "name": .text, "phone": .text, "tags": .array, "vip": .boolean]))
    }

    static let emails = ["ada@example.com", "bob@example.com", "carol@example.com", "dan@example.com", "eve@example.com"]
    static let names = ["Ada", "Bob", "Carol", "A. King", "Robert"]
    static let tags = ["vip", "churn", "renewal"]

    /// A random edit of the mapped columns (by system: text tags or an array).
    static func columns(_ system: SimulatedSystem, _ random: inout SplitMix64, all: Bool) -> [String: ExternalValue] {
        var result: [String: ExternalValue] = [:]
        let isCRM = system.node == crm
        if all || Bool.random(using: &random) {
            result[isCRM ? "full_name" : "name"] = .text(names.randomElement(using: &random) ?? "x")
        }
        if all || Bool.random(using: &random) {
            result[isCRM ? "phone" : "tel"] = Int.random(in: 0..<4, using: &random) == 0
                ? .null : .text("+44 \(Int.random(in: 0..<5, using: &random))")
        }
        if all || Bool.random(using: &random) {
            let chosen = tags.filter { _ in Bool.random(using: &random) }.map { ExternalValue.text($0) }
            result[isCRM ? "tags" : "labels"] = isCRM ? .text(JSONArrayText.encode(.array(chosen))) : .array(chosen)
        }
        if all || Bool.random(using: &random) {
            let flag = Bool.random(using: &random)
            result[isCRM ? "vip" : "is_vip"] = isCRM ? .int(flag ? 1 : 0) : .bool(flag)
        }
        return result
    }

    /// One sync step: each side captures, the replicas exchange deltas, and
    /// each side writes every record to its table (a sweep). Returns the
    /// echoes found (must be none).
    static func sync(_ a: inout SimulatedSystem, _ b: inout SimulatedSystem, now: Int64) throws -> [String] {
        let stamp = try HLCTimestamp(physical: UInt64(now), logical: 0)
        let (deltaA, _) = try a.capture(now: stamp)
        let (deltaB, _) = try b.capture(now: stamp)
        a.replica.join(deltaB)
        b.replica.join(deltaA)
        var echoes: [String] = []
        for index in 0..<2 {
            var system = index == 0 ? a : b
            let ids = Set(system.replica.recordIDs).union(system.keys.values)
            let writes = try system.outbound(Array(ids)).enumerated().map { index, write in
                var numbered = write
                numbered.sequence = Int64(index + 1)
                return numbered
            }
            // Captured again, as if the marker had failed.
            let claimed = system.livingKeys
            let resolution = KeyResolution.resolve(writes, known: system.keys, claimed: claimed, identity: system.identity)
            var snapshots: [String: RecordSnapshot] = [:]
            for id in Set(resolution.records.values) {
                if let store = system.replica.records[id], let snapshot = RecordSnapshot(id: id, store: store) {
                    snapshots[id] = snapshot
                }
            }
            let plan = CapturePlanner(identity: system.identity, node: system.node)
                .plan(writes, resolution: resolution, records: snapshots, holdDeletes: false)
            // An echo may refresh what the record holds (a same value
            // re-asserted), but loses nothing and changes nothing any table
            // shows: no table is written again, so nothing ping-pongs.
            var replica = system.replica
            _ = try plan.apply(to: &replica, by: system.node, now: stamp)
            let rewrites = try ids.sorted().compactMap { id -> ExternalWrite? in
                let key = claimed[id]
                let row = key.flatMap { key in system.rows[key].map { ExternalRow(key: key, columns: $0) } }
                return try OutboundPlanner.write(
                    record: id, snapshot: replica.records[id].flatMap { RecordSnapshot(id: id, store: $0) }, key: key, row: row,
                    mapping: system.mapping, schema: system.schema)
            }
            if !rewrites.isEmpty || !plan.lost.isEmpty || plan.steps.contains(where: { if case .delete = $0 { true } else { false } }) {
                echoes.append("\(system.mapping.name): \(plan.steps) \(plan.lost) rewrites \(rewrites)")
            }
            if index == 0 { a = system } else { b = system }
        }
        return echoes
    }

    @Test("no echo, and two tables with the same history end equal", arguments: 0..<200)
    func historiesConverge(seed: Int) throws {
        var random = SplitMix64(state: UInt64(seed) &* 0x9E37_79B9 &+ 7)
        var (a, b) = Self.pair()
        var now: Int64 = 1_800_000_000_000
        let debug = ProcessInfo.processInfo.environment["TANDEM_DEBUG_SEED"] == String(seed)
        for _ in 0..<Int.random(in: 5..<40, using: &random) {
            now += Int64.random(in: 1..<50, using: &random)
            let onA = Bool.random(using: &random)
            var system = onA ? a : b
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3:
                // A new row's email is one no row of this table holds or
                // claims (a row whose email was cleared still holds its
                // record: a second row for it is a duplicate, reported and
                // not merged, which `SQLiteFailureTests` covers).
                var present = Set(system.rows.values.compactMap { row -> String? in
                    guard case .text(let mail)? = row[system.node == Self.crm ? "email" : "mail"] else { return nil }
                    return mail.lowercased()
                })
                present.formUnion(system.livingKeys.keys.map { String($0.dropFirst("email:".count)) })
                if let email = Self.emails.filter({ !present.contains($0) }).randomElement(using: &random) {
                    var columns = Self.columns(system, &random, all: true)
                    let spelled = Bool.random(using: &random) ? email.uppercased() : email
                    columns[system.node == Self.crm ? "email" : "mail"] = .text(spelled)
                    system.insert(columns, at: now)
                }
            case 3..<8:
                if let key = system.rows.keys.sorted().randomElement(using: &random) {
                    system.update(key, Self.columns(system, &random, all: false), at: now)
                }
            case 8:
                if let key = system.rows.keys.sorted().randomElement(using: &random) { system.delete(key, at: now) }
            default:
                if onA { a = system } else { b = system }
                now += 1
                let echoes = try Self.sync(&a, &b, now: now)
                #expect(echoes.isEmpty, "seed \(seed): \(echoes)")
                if debug { print("SYNC: A=\(a.rows)\n   B=\(b.rows)") }
                continue
            }
            if onA { a = system } else { b = system }
            if debug { print("after op on \(onA ? "A" : "B"): A=\(a.rows) keysA=\(a.keys)\n   B=\(b.rows) keysB=\(b.keys)") }
        }
        for _ in 0..<4 {
            now += 1
            let echoes = try Self.sync(&a, &b, now: now)
            #expect(echoes.isEmpty, "seed \(seed): \(echoes)")
        }
        #expect(a.replica == b.replica, "seed \(seed): replicas differ")
        #expect(a.canonicalRows == b.canonicalRows, "seed \(seed): tables differ\n\(a.canonicalRows)\n\(b.canonicalRows)")
        #expect(a.outbox.isEmpty && b.outbox.isEmpty)
    }
}

extension NodeID {
    init(byte: UInt8) {
        do { try self.init(bytes: Array(repeating: byte, count: 32)) } catch { fatalError("node id: \(error)") }
    }
}
