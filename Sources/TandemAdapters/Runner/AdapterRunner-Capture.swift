import Synchronization
import TandemAdapterCore
import TandemCore
import TandemNode
import TandemStore
import TandemSync

/// Capture: outbox changes and backfilled rows into CRDT commits.
extension AdapterRunner {
    /// Captures the next changes of the outbox; returns whether there were any.
    func captureStep() async throws -> Bool {
        let read = try await driver.changes(after: cursor.through, limit: captureLimit)
        guard let last = read.changes.last else {
            // Quiet: prune what was handled (the cursor, durable in the
            // node's store, already says it was).
            if acknowledgedThrough < cursor.through { try await acknowledge() }
            return false
        }
        try await splittingLargeBatches {
            try await commit(read.changes, read: read, backfill: false) { $0.through = last.sequence }
        }
        // Pruning the outbox is one more transaction in the external
        // system: done per 1,000 changes or when quiet, not per step.
        if cursor.through - acknowledgedThrough >= Int64(Self.captureChunk) { try await acknowledge() }
        return true
    }

    /// Removes handled changes from the outbox (keeping held deletes).
    func acknowledge() async throws {
        try await driver.acknowledge(through: cursor.through, keeping: cursor.held)
        acknowledgedThrough = cursor.through
    }

    /// Runs `body`; a batch too large for one sync message halves the
    /// changes taken per commit (down to one) and is tried again next step,
    /// with nothing committed. Each success lets the limit grow back.
    func splittingLargeBatches(_ body: () async throws -> Void) async throws {
        do {
            try await body()
            captureLimit = min(captureLimit * 2, Self.captureChunk)
        } catch SyncWriteError.batchTooLarge where captureLimit > 1 {
            captureLimit = max(captureLimit / 2, 1)
        }
    }

    /// Imports the next rows of the table's first attach; when none are
    /// left, marks the backfill done and starts a sweep.
    func backfillStep() async throws -> Bool {
        if backfillStarted == nil {
            backfillStarted = clock()
            status.backfillTotal = try await driver.rowCount()
        }
        let rows = try await driver.snapshot(after: cursor.backfillAfter, limit: backfillLimit)
        guard let last = rows.last else {
            try await commitCursor { $0.backfilled = true }
            status.state = .running
            if sweepsAfterBackfill { sweep = (nil, 0) }
            return true
        }
        // Existing rows carry the earliest edit time: any edit made anywhere wins over them.
        let changes = rows.enumerated().map { index, row in
            CapturedChange(sequence: -Int64(index + 1), kind: .insert, key: row.key, old: nil, new: row.columns, editedAtMillis: 1)
        }
        do {
            try await commit(changes, read: CaptureRead(changes: changes, pendingDeletes: 0, tableRows: 0), backfill: true) {
                $0.backfillAfter = last.key
            }
            status.backfilledRows += rows.count
            backfillLimit = min(backfillLimit * 2, backfillChunk)
        } catch SyncWriteError.batchTooLarge where backfillLimit > 1 {
            // Too large for one sync message: fewer rows next step, nothing committed.
            backfillLimit = max(backfillLimit / 2, 1)
        }
        return true
    }

    /// Commits the cursor `change` makes (no record changes), with the
    /// backfill position cleared, and adopts it.
    func commitCursor(_ change: (inout AdapterCursor) -> Void) async throws {
        var next = cursor
        change(&next)
        next.backfillAfter = nil
        try await node.commitAdapterChange(
            collection: mapping.collection, records: [],
            cursor: AdapterCursorUpdate(adapter: mapping.name, cursor: next.encoded)
        ) { _, _ in (RecordCollection(), []) }
        cursor = next
    }

    /// Resolves, plans and commits `changes` with the cursor `advance` makes.
    /// `releasing` applies held deletes (they are not held again).
    func commit(
        _ changes: [CapturedChange], read: CaptureRead, backfill: Bool, releasing: Bool = false,
        advance: (inout AdapterCursor) -> Void
    ) async throws {
        let identity = self.identity
        var keys: [String] = []
        var seen: Set<String> = []
        for change in changes where seen.insert(change.key).inserted { keys.append(change.key) }
        let known = try await driver.records(forKeys: keys)
        let derived = KeyResolution.derivedIDs(changes, known: known, identity: identity)
        let claimed = derived.isEmpty ? [:] : try await driver.keys(forRecords: derived.sorted())
        let resolution = KeyResolution.resolve(changes, known: known, claimed: claimed, identity: identity)
        if !resolution.newMappings.isEmpty { try await driver.map(resolution.newMappings) }

        let planner = self.planner
        let holding = !backfill && !releasing && planner.holdsDeletes(holdOpen: !cursor.held.isEmpty, read: read)
        var next = cursor
        advance(&next)
        let heldChanges = holding ? changes.filter { $0.kind == .delete && resolution.records[$0.sequence] != nil } : []
        next.hold(heldChanges.map(\.sequence))
        let ids = Set(resolution.records.values).sorted()
        let mapping = self.mapping
        let node = self.node.node
        let auditTime = UInt64(clamping: clock())
        let outcome = Mutex<CapturePlan?>(nil)
        try await self.node.commitAdapterChange(
            collection: mapping.collection, records: ids, cursor: AdapterCursorUpdate(adapter: mapping.name, cursor: next.encoded)
        ) { working, now in
            var snapshots: [String: RecordSnapshot] = [:]
            for id in ids {
                if let store = working.records[id], let snapshot = RecordSnapshot(id: id, store: store) { snapshots[id] = snapshot }
            }
            let plan = planner.plan(changes, resolution: resolution, records: snapshots, holdDeletes: holding, backfill: backfill)
            let delta = try plan.apply(to: &working, by: node, now: now)
            outcome.withLock { $0 = plan }
            return (delta, AdapterAudit.events(plan, mapping: mapping, node: node, at: auditTime, backfill: backfill))
        }
        cursor = next
        heldKeys.formUnion(heldChanges.map(\.key))
        heldRecords.formUnion(heldChanges.compactMap { resolution.records[$0.sequence] })
        guard let plan = outcome.withLock({ $0 }) else { return }
        status.captured += plan.steps.count
        status.unchanged += plan.unchanged
        status.lostEdits += plan.lost.count + plan.overwritten.count
        for issue in plan.issues { status.issues[issue.label, default: 0] += 1 }
        noteChanged(plan.repairs.sorted())
    }
}
