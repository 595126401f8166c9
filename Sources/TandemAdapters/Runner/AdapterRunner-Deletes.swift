public import TandemAdapterCore
import TandemCore
import TandemNode
import TandemStore

/// Held mass deletes: listing, approving and rejecting them.
extension AdapterRunner {
    /// A delete held for approval.
    public struct HeldDelete: Hashable, Sendable {
        public var sequence: Int64
        public var key: String
        public var editedAtMillis: Int64
        public var lastValues: [String: ExternalValue]
    }

    /// The deletes held for approval, in outbox order.
    public func heldDeletes() async throws -> [HeldDelete] {
        try await driver.changes(in: cursor.held).filter { $0.kind == .delete }.map {
            HeldDelete(sequence: $0.sequence, key: $0.key, editedAtMillis: $0.editedAtMillis, lastValues: $0.old ?? [:])
        }
    }

    /// Applies the held deletes: each record is deleted unless it was edited
    /// after its row was deleted. Returns how many deletes were released.
    @discardableResult
    public func approveDeletes() async throws -> Int {
        try await exclusively { try await approveHeld() }
    }

    private func approveHeld() async throws -> Int {
        let held = try await driver.changes(in: cursor.held).filter { $0.kind == .delete }
        let release = cursor.held
        try await commit(held, read: CaptureRead(changes: held, pendingDeletes: 0, tableRows: 0), backfill: false, releasing: true) {
            $0.held = []
        }
        try await finishHold(release, approved: true, count: held.count)
        return held.count
    }

    /// Drops the held deletes: the rows are written back from the CRDT.
    /// Returns how many deletes were dropped.
    @discardableResult
    public func rejectDeletes() async throws -> Int {
        try await exclusively { try await rejectHeld() }
    }

    private func rejectHeld() async throws -> Int {
        let held = try await driver.changes(in: cursor.held).filter { $0.kind == .delete }
        let release = cursor.held
        var next = cursor
        next.held = []
        try await node.commitAdapterChange(
            collection: mapping.collection, records: [], cursor: AdapterCursorUpdate(adapter: mapping.name, cursor: next.encoded)
        ) { _, _ in (RecordCollection(), []) }
        cursor = next
        let records = try await driver.records(forKeys: held.map(\.key))
        try await finishHold(release, approved: false, count: held.count)
        noteChanged(records.values.sorted())
        return held.count
    }

    private func finishHold(_ released: [ClosedRange<Int64>], approved: Bool, count: Int) async throws {
        heldKeys = []
        heldRecords = []
        try await acknowledge()
        try await node.appendAudit([AuditEvent(
            at: UInt64(clamping: clock()), kind: .deletesHeld, collection: mapping.collection, node: node.node,
            detail: "\(mapping.name): \(count) held deletes of \(mapping.table) \(approved ? "approved" : "rejected")")])
    }
}
