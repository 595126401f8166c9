import TandemAdapterCore
import TandemAdapterSim
import TandemCore

/// Other programs at work on the external tables (the adapter edge of the
/// workload), and the adapter faults: refused writes, dropped columns, mass
/// deletes and lost captures. Every edit is captured by the table's outbox
/// with the table's own clock and logged for the edit-time checker.
extension Simulation {
    /// The column of canonical field `field` in node `index`'s table.
    func column(_ field: String, _ index: Int) -> String? { adapters[index].mapping.binding(field: field)?.column }

    func performExternal(_ edit: ExternalEdit, at index: Int, item: Int) {
        let time = tableClock(index)
        var table = adapters[index].table
        func columns(_ fields: [String: ExternalValue]) -> [String: ExternalValue]? {
            var result: [String: ExternalValue] = [:]
            for (field, value) in fields {
                guard let column = column(field, index), table.schema.columns[column] != nil else { continue }
                guard table.accepts(value, column: column) else { return nil }
                result[column] = value
            }
            return result
        }
        func pick(_ number: Int) -> String? {
            let keys = table.rows.keys.sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }
            return keys.isEmpty ? nil : keys[number % keys.count]
        }
        func log(_ key: String, old: [String: ExternalValue]?, new: [String: ExternalValue]) {
            for binding in table.mapping.fields {
                guard let value = new[binding.column], old?[binding.column] != value else { continue }
                let canonical = (try? ValueConversion.value(value, column: binding.column, type: .text)) ?? .null
                externalEdits.append(ExternalEditRecord(
                    node: index, key: key, field: binding.field, value: canonical, editedAtMillis: time,
                    given: old != nil || canonical != .null))
            }
        }
        var fields: [String: ExternalValue] = [:]
        var target: String?
        switch edit {
        case .insert(let given):
            fields = given
            // A row of this table already stands for this person: edit it
            // (a second row would be a duplicate, reported and not synced).
            let email = given["email"].flatMap { try? ValueConversion.value($0, column: "email", type: .text) }
            if let email, let existing = rowFor(email: email, in: table, index: index) {
                fields["email"] = nil
                target = existing
            } else {
                guard let values = columns(fields) else {
                    metrics.externalEditsRefused += 1
                    trace("n\(index)'s table refuses another program's write #\(item) (\(edit)): constraint")
                    return
                }
                let key = table.insert(values, at: time, origin: item)
                log(key, old: nil, new: table.rows[key] ?? [:])
                metrics.externalEdits += 1
                trace("n\(index)'s table: another program inserts row \(key) #\(item) (\(ExternalEdit.describe(given))) at \(time - Int64(Simulation.virtualEpoch))")
                adapters[index].table = table
                noticeCapture(index)
                return
            }
        case .update(let number, let given):
            fields = given
            target = pick(number)
        case .delete(let number):
            guard let key = pick(number) else { return }
            table.delete(key, at: time, origin: item)
            externalDeletes.append((index, key, time))
            metrics.externalEdits += 1
            trace("n\(index)'s table: another program deletes row \(key) #\(item)")
            adapters[index].table = table
            noticeCapture(index)
            return
        }
        guard let key = target, let old = table.rows[key] else { return }
        guard let values = columns(fields) else {
            metrics.externalEditsRefused += 1
            trace("n\(index)'s table refuses another program's write #\(item) (\(edit)): constraint")
            return
        }
        table.update(key, values, at: time, origin: item)
        log(key, old: old, new: table.rows[key] ?? [:])
        metrics.externalEdits += 1
        trace("n\(index)'s table: another program updates row \(key) #\(item) (\(ExternalEdit.describe(fields)))")
        adapters[index].table = table
        noticeCapture(index)
    }

    /// The row of `table` that stands for match key `email`: one mapped to
    /// its record, or one whose email is the same after trimming and folding case.
    private func rowFor(email: Value, in table: SimulatedTable, index: Int) -> String? {
        guard case .string(let text) = email, let column = column("email", index) else { return nil }
        let wanted = Simulation.matchKey(text)
        if let key = table.livingKeys["email:" + wanted] { return key }
        return table.rows.keys.sorted().first { key in
            if case .text(let other)? = table.rows[key]?[column] { return Simulation.matchKey(other) == wanted }
            return false
        }
    }

    /// A match key compared as the default match rule does (trimmed, case folded).
    static func matchKey(_ text: String) -> String {
        Identifier.normalized(text.trimmingSpaces.lowercased())
    }

    /// The adapter notices the new outbox row after its capture delay.
    private func noticeCapture(_ index: Int) {
        guard nodes[index].isUp else { return }
        wakeAdapter(index, after: adapters[index].captureDelay)
    }

    // MARK: Adapter faults

    func performAdapterFault(_ item: PlanItem, position: Int) {
        switch item.action {
        case .refuseWrites(let index, let maxLength, _):
            adapters[index].table.maxTextLength = maxLength
            adapters[index].table.constrainedColumn = column("name", index)
            metrics.adapterFaults += 1
            trace("n\(index)'s table refuses names longer than \(maxLength) characters until \(item.end) ms (#\(item.id))")
        case .dropColumn(let index, let field, _):
            guard let column = column(field, index) else { return }
            adapters[index].table.dropColumn(column)
            metrics.adapterFaults += 1
            trace("n\(index)'s table drops column \(column) until \(item.end) ms (#\(item.id))")
            if nodes[index].isUp { wakeAdapter(index, after: 1) }
        case .massDelete(let index, _, _):
            var table = adapters[index].table
            let keys = table.rows.keys.sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }
            let count = max(min(4, keys.count), (keys.count * 3 + 4) / 5)
            let time = tableClock(index)
            for key in keys.prefix(count) {
                table.delete(key, at: time, origin: item.id)
                externalDeletes.append((index, key, time))
            }
            adapters[index].table = table
            metrics.adapterFaults += 1
            metrics.externalEdits += count
            trace("n\(index)'s table: another program deletes \(count) of its \(keys.count) rows at once (#\(item.id))")
            noticeCapture(index)
        case .loseCaptures(let index, _):
            guard nodes[index].isUp else { return }
            adapters[index].stalled = true
            metrics.adapterFaults += 1
            trace("n\(index)'s adapter loses its captures (outbox reads fail) until it restarts at \(item.end) ms (#\(item.id))")
        default:
            return
        }
        queue.schedule(.adapterFaultEnds(position), at: item.end)
    }

    func endAdapterFault(_ item: PlanItem) {
        switch item.action {
        case .refuseWrites(let index, _, _):
            adapters[index].table.maxTextLength = nil
            trace("n\(index)'s table accepts long names again (#\(item.id))")
        case .dropColumn(let index, let field, _):
            guard let column = column(field, index) else { return }
            adapters[index].table.restoreColumn(column)
            trace("n\(index)'s table has column \(column) again, empty (#\(item.id))")
        case .massDelete(let index, let approve, _):
            adapters[index].decision = approve
            trace("n\(index)'s operator decides to \(approve ? "approve" : "reject") held deletes (#\(item.id))")
            if nodes[index].isUp { wakeAdapter(index, after: 1) }
        case .loseCaptures(let index, _):
            guard nodes[index].isUp else { return }
            trace("n\(index) restarts (#\(item.id)): its adapter reads the outbox from its cursor")
            restartNow(index, item: item)
        default:
            return
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space.
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
