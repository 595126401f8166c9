import TandemAdapterCore
import TandemAdapterSim
import TandemCore
import TandemStore

/// Checkers 7 to 11: the adapter edge, run with the others once the nodes
/// have converged and stayed quiet. They read the external tables, the
/// converged state of the adapters' collection (node 0's: checker 1 holds
/// every node to it), and the log of what other programs edited.
extension Simulation {
    func checkAdapters(_ snapshots: [NodeSnapshot]) -> [CheckFailure] {
        guard let reference = snapshots.first else { return [] }
        let state = reference.collections[Simulation.adapterCollection] ?? RecordCollection()
        var live: [String: RecordSnapshot] = [:]
        for (id, store) in state.records { if let snapshot = RecordSnapshot(id: id, store: store) { live[id] = snapshot } }
        return checkTables(live) + checkEcho() + checkDuplicates(live) + checkHolds() + checkEditTimes(state, live: live)
    }

    /// Checker 7: every table holds one row per live record, showing its
    /// fields (NULL for a field it lacks, except the match key its id was
    /// made from: `email:ann@x` lacking `email` shows `ann@x`), and nothing
    /// else.
    private func checkTables(_ live: [String: RecordSnapshot]) -> [CheckFailure] {
        let mapping = SimAdapter.mapping(index: 0)
        let fields = mapping.fields.map(\.field)
        func shown(_ record: RecordSnapshot, _ field: String) -> Value {
            if let held = record.fields[field] { return held.value }
            guard field == mapping.match?.field, record.id.hasPrefix(field + ":") else { return .null }
            return .string(String(record.id.dropFirst(field.count + 1)))
        }
        let expected = live.values.map { record in fields.map { shown(record, $0) } }
            .sorted { $0.lexicographicallyPrecedes($1) }
        var found: [CheckFailure] = []
        for (index, adapter) in adapters.enumerated() {
            let rows = adapter.table.canonicalRows
            guard rows != expected else { continue }
            let missing = difference(expected, rows)
            let extra = difference(rows, expected)
            found.append(CheckFailure(.tables, "n\(index)'s \(adapter.mapping.table) differs from the converged records (\(expected.count) records, \(rows.count) rows): "
                + "lacks \(describeRows(missing)), has besides \(describeRows(extra))"))
        }
        return found
    }

    /// Checker 8: no adapter write came back as an edit, and no row was
    /// written more often than twice the edits of its record (on any table:
    /// a write and a repair each), plus the table's sweeps and rejected
    /// holds, warrant.
    private func checkEcho() -> [CheckFailure] {
        var found: [CheckFailure] = []
        var editsByRecord: [String: Set<String>] = [:]
        for edit in externalEdits {
            guard let record = adapters[edit.node].table.everMapped[edit.key] else { continue }
            editsByRecord[record, default: []].insert("\(edit.node):\(edit.key):\(edit.editedAtMillis)")
        }
        for delete in externalDeletes {
            guard let record = adapters[delete.node].table.everMapped[delete.key] else { continue }
            editsByRecord[record, default: []].insert("\(delete.node):\(delete.key):\(delete.at):delete")
        }
        for (index, adapter) in adapters.enumerated() {
            if adapter.table.echoesRecorded > 0 {
                found.append(CheckFailure(.echo, "n\(index)'s \(adapter.mapping.table) captured \(adapter.table.echoesRecorded) of the adapter's own writes as edits"))
            }
            var writes: [String: Int] = [:]
            for (key, count) in adapter.table.writesByKey {
                if let record = adapter.table.everMapped[key] { writes[record, default: 0] += count }
            }
            let over = writes.filter { record, count in count > 2 * (editsByRecord[record]?.count ?? 0) + adapter.rewrites + 1 }
            if let (record, count) = over.min(by: { $0.key < $1.key }) {
                found.append(CheckFailure(.echo, "n\(index)'s \(adapter.mapping.table) wrote rows of \(record) \(count) times for \(editsByRecord[record]?.count ?? 0) edits and \(adapter.rewrites) sweeps or rejected holds"
                    + (over.count > 1 ? " (and \(over.count - 1) more records)" : "")))
            }
        }
        return found
    }

    /// Checker 9: no two live records, and no two rows of a table, share a
    /// match key (compared trimmed and case folded).
    private func checkDuplicates(_ live: [String: RecordSnapshot]) -> [CheckFailure] {
        var found: [CheckFailure] = []
        var byKey: [String: [String]] = [:]
        for id in live.keys.sorted() where id.hasPrefix("email:") {
            byKey[Simulation.matchKey(String(id.dropFirst("email:".count))), default: []].append(id)
        }
        if let (key, ids) = byKey.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            found.append(CheckFailure(.duplicates, "match key \(key) has \(ids.count) records: \(ids.joined(separator: ", "))"))
        }
        for (index, adapter) in adapters.enumerated() {
            guard let column = adapter.mapping.binding(field: "email")?.column else { continue }
            var rows: [String: [String]] = [:]
            for (key, row) in adapter.table.rows {
                guard case .text(let text)? = row[column] else { continue }
                let match = Simulation.matchKey(text)
                if !match.isEmpty { rows[match, default: []].append(key) }
            }
            if let (key, keys) = rows.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
                found.append(CheckFailure(.duplicates, "n\(index)'s \(adapter.mapping.table) has \(keys.count) rows for match key \(key): rows \(keys.sorted().joined(separator: ", "))"))
            }
        }
        return found
    }

    /// Checker 10 (the rest is checked while the run goes on: no commit
    /// deletes a record whose delete is held, and a released hold finds
    /// every held delete in the outbox): no hold is left open.
    private func checkHolds() -> [CheckFailure] {
        adapters.enumerated().compactMap { index, adapter in
            adapter.cursor.held.isEmpty ? nil : CheckFailure(.heldDeletes,
                "n\(index)'s adapter still holds \(adapter.cursor.heldCount) deletes at the end (decision: \(adapter.decision.map { $0 ? "approve" : "reject" } ?? "none"))")
        }
    }

    /// Checker 11: every field write the records hold (winner or kept
    /// conflict) is an edit some program made, with its edit time; and no
    /// edit newer than a field's value, with another value, is missing
    /// (unless a captured delete made as late or later removed it).
    private func checkEditTimes(_ state: RecordCollection, live: [String: RecordSnapshot]) -> [CheckFailure] {
        struct Slot: Hashable {
            var record: String
            var field: String
        }
        var edits: [Slot: [ExternalEditRecord]] = [:]
        for edit in externalEdits {
            guard let record = adapters[edit.node].table.everMapped[edit.key] else { continue }
            edits[Slot(record: record, field: edit.field), default: []].append(edit)
        }
        var invented: [String] = []
        var lost: [String] = []
        for id in live.keys.sorted() {
            guard let store = state.records[id] else { continue }
            for (field, register) in store.fields.sorted(by: { $0.name < $1.name }) {
                let made = edits[Slot(record: id, field: field)] ?? []
                for entry in register.entries {
                    let time = Int64(clamping: entry.timestamp.physical)
                    if !made.contains(where: { $0.editedAtMillis == time && $0.value == entry.value }) {
                        invented.append("\(id).\(field)=\(entry.value) at \(time - Int64(Simulation.virtualEpoch))")
                    }
                }
            }
            for field in SimAdapter.mapping(index: 0).fields.map(\.field) {
                let held = live[id]?.fields[field]
                let after = committedDeletes[id] ?? .min
                for edit in edits[Slot(record: id, field: field)] ?? [] where edit.given && edit.editedAtMillis > after {
                    let heldTime = held?.editedAtMillis ?? .min
                    if edit.editedAtMillis > heldTime && edit.value != (held?.value ?? .null) {
                        lost.append("\(id).\(field): n\(edit.node)'s edit to \(edit.value) at \(edit.editedAtMillis - Int64(Simulation.virtualEpoch)) is newer than the value held, "
                            + (held.map { "\($0.value) at \($0.editedAtMillis - Int64(Simulation.virtualEpoch))" } ?? "none"))
                    }
                }
            }
        }
        var found: [CheckFailure] = []
        if !invented.isEmpty {
            found.append(CheckFailure(.editTimes, "\(invented.count) field writes are no program's edit: " + invented.prefix(3).joined(separator: "; ")))
        }
        if !lost.isEmpty {
            found.append(CheckFailure(.editTimes, "\(lost.count) newer edits lost: " + lost.prefix(3).joined(separator: "; ")))
        }
        return found
    }

    /// The rows of `a` not in `b`, as multisets.
    private func difference(_ a: [[Value]], _ b: [[Value]]) -> [[Value]] {
        var counts: [[Value]: Int] = [:]
        for row in b { counts[row, default: 0] += 1 }
        return a.filter { row in
            guard let count = counts[row], count > 0 else { return true }
            counts[row] = count - 1
            return false
        }
    }

    private func describeRows(_ rows: [[Value]]) -> String {
        guard !rows.isEmpty else { return "nothing" }
        return rows.prefix(3).map { "(" + $0.map(\.description).joined(separator: ", ") + ")" }.joined(separator: " ")
            + (rows.count > 3 ? " (+\(rows.count - 3))" : "")
    }
}
