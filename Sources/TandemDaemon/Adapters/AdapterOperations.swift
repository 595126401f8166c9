import Foundation
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemNode
import TandemStore

/// A request to the admin endpoint that cannot be served: the HTTP status
/// and a one-line reason (the command prints it).
struct AdminRequestError: Error, CustomStringConvertible {
    var status: Int
    var description: String
}

/// What the admin endpoint's adapter routes do on the running node: list,
/// approve and reject held deletes, run parity checks, restore a conflict
/// loser.
///
/// Guarantees: an adapter name that matches none is an error naming the
/// adapters there are; a restore writes exactly one field of one record as
/// a new local change, and the adapters of the collection write it to
/// their tables.
struct AdapterOperations: Sendable {
    let node: SyncNode
    let hub: AdapterHub
    let metrics: DaemonMetrics
    let configuration: NodeConfigurationFile
    let parityCheck: ParityCheck

    func selected(_ name: String?) throws(AdminRequestError) -> [AdapterHub.Entry] {
        try hub.selected(name)
    }

    func heldDeletes(_ name: String?) async throws -> [AdapterReports.HeldDeletes] {
        var reports: [AdapterReports.HeldDeletes] = []
        for entry in try selected(name) {
            let held = try await entry.runner.heldDeletes()
            reports.append(AdapterReports.HeldDeletes(
                adapter: entry.name, table: entry.settings.table,
                deletes: held.map { delete in
                    AdapterReports.Delete(
                        sequence: delete.sequence, key: delete.key,
                        deletedAt: CanonicalTime.format(millis: delete.editedAtMillis),
                        lastValues: delete.lastValues.mapValues { value in
                            if case .text(let text) = value { return text }
                            return value == .null ? "null" : value.description
                        })
                }))
        }
        return reports
    }

    func release(_ name: String?, approve: Bool) async throws -> [AdapterReports.Released] {
        var released: [AdapterReports.Released] = []
        for entry in try selected(name) {
            let count = approve ? try await entry.runner.approveDeletes() : try await entry.runner.rejectDeletes()
            released.append(AdapterReports.Released(adapter: entry.name, count: count))
        }
        return released
    }

    /// The node's parity check (the same the schedule runs).
    func parity(_ name: String?) async throws -> AdapterReports.ParityRun {
        try await parityCheck.run(adapter: name)
    }

    func restore(event id: Int64) async throws -> AdapterReports.Restored {
        let found = id >= 1 ? try await node.reading { try $0.auditEvents(after: id - 1, limit: 1).first } : nil
        guard let found, found.id == id else {
            throw AdminRequestError(status: 404, description: "no audit event #\(id) (tandem conflicts lists them)")
        }
        let event = found.event
        guard event.kind == .conflict else {
            throw AdminRequestError(status: 400, description: "audit event #\(id) is \(event.kind.rawValue), not a conflict")
        }
        guard let collection = event.collection, let record = event.record else {
            throw AdminRequestError(status: 400, description: "conflict #\(id) names no record")
        }
        guard let loser = RestorableValue.parse(event.detail) else {
            throw AdminRequestError(
                status: 400,
                description: "conflict #\(id) keeps no restorable value (a lost delete, or an event written before restore existed)")
        }
        if configuration.collection(named: collection)?.sets.contains(loser.field) == true {
            throw AdminRequestError(status: 400, description: "conflict #\(id) is on set field \(loser.field); sets keep every concurrent add")
        }
        do {
            _ = try await node.write(collection: collection, record: record, fields: [loser.field: loser.value])
        } catch {
            throw AdminRequestError(status: 409, description: "cannot write \(collection)/\(record).\(loser.field): \(error)")
        }
        hub.noteChanged(collection: collection, records: [record])
        return AdapterReports.Restored(
            event: id, collection: collection, record: record, field: loser.field, value: loser.value.description)
    }
}
