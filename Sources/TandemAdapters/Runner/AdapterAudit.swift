import TandemAdapterCore
import TandemCore
import TandemStore

/// The audit events an adapter writes for what its plans did.
enum AdapterAudit {
    static func events(_ plan: CapturePlan, mapping: AdapterMapping, node: NodeID, at now: UInt64, backfill: Bool) -> [AuditEvent] {
        var events: [AuditEvent] = []
        func event(_ kind: AuditEvent.Kind, _ record: String?, _ detail: String) {
            events.append(AuditEvent(at: now, kind: kind, collection: mapping.collection, record: record, node: node, detail: detail))
        }
        if backfill {
            if !plan.steps.isEmpty { event(.captured, nil, "\(mapping.name): backfill imported \(plan.writes.count) rows of \(mapping.table)") }
        } else {
            for step in plan.steps {
                switch step {
                case .write(let write):
                    let names = write.fields.map(\.field) + write.adds.map { "+\($0.field)" } + write.removes.map { "-\($0.field)" }
                    let time = write.fields.map(\.editedAtMillis).max().map { " edited \(CanonicalTime.format(millis: $0))" } ?? ""
                    event(.captured, write.record, "\(mapping.name): row \(write.key) of \(mapping.table)\(write.creates ? " (new)" : ""): \(names.joined(separator: ", "))\(time)")
                case .delete(let delete):
                    event(.captured, delete.record, "\(mapping.name): row \(delete.key) of \(mapping.table) deleted, edited \(CanonicalTime.format(millis: delete.editedAtMillis))")
                }
            }
        }
        for lost in plan.lost {
            let what = lost.field.map { "field \($0): captured \(lost.value?.description ?? "?")" } ?? "delete of the row"
            // A lost field edit keeps its value restorable (`tandem restore`).
            var restore = ""
            if let field = lost.field, let value = lost.value { restore = RestorableValue(field: field, value: value).suffix }
            event(.conflict, lost.record, "\(mapping.name): \(what) edited \(CanonicalTime.format(millis: lost.editedAtMillis)) lost to \(lost.winner?.description ?? "the record") edited \(CanonicalTime.format(millis: lost.winnerEditedAtMillis)); row \(lost.key) set back\(restore)")
        }
        for replaced in plan.overwritten {
            guard let field = replaced.field, let value = replaced.value else { continue }
            event(.conflict, replaced.record, "\(mapping.name): field \(field): \(value) edited \(CanonicalTime.format(millis: replaced.editedAtMillis)) lost to \(replaced.winner?.description ?? "?") captured from row \(replaced.key), edited \(CanonicalTime.format(millis: replaced.winnerEditedAtMillis)) without seeing it\(RestorableValue(field: field, value: value).suffix)")
        }
        for issue in plan.issues { event(.adapterError, nil, "\(mapping.name): \(issue)") }
        if !plan.held.isEmpty {
            event(.deletesHeld, nil, "\(mapping.name): \(plan.held.count) deletes of \(mapping.table) held for approval (mass delete)")
        }
        return events
    }
}
