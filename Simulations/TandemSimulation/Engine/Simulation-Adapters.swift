import TandemAdapterCore
import TandemAdapterSim
import TandemCore
import TandemStore
import TandemSync

/// Each node's adapter, driven as `AdapterRunner` drives it: one step at a
/// time (capture what the outbox holds, committing the CRDT change and the
/// advanced cursor in one `driver.write`; then write the records that
/// changed to the table), woken by captured changes (after the node's
/// capture delay), by peers' batches of the adapter's collection, by
/// retries falling due, and every 500 ms while paused. Every decision is
/// the pure adapter core's (`KeyResolution`, `CapturePlanner`,
/// `OutboundPlanner`, `SchemaCheck`, `RetrySchedule`); the table is a
/// `SimulatedTable`.
extension Simulation {
    /// The collection the adapters sync (the workload's node writes use others).
    static let adapterCollection = "contacts"

    /// The external system's clock of node `index`'s table (ms since the epoch).
    func tableClock(_ index: Int) -> Int64 {
        Int64(Simulation.virtualEpoch + now) + adapters[index].systemSkew
    }

    /// Starts node `index`'s adapter (at the node's start or restart): its
    /// cursor from the node's store, its held deletes from the outbox.
    func startAdapter(_ index: Int) {
        adapters[index].reset()
        do {
            if let bytes = try nodes[index].store.adapterCursor(adapters[index].mapping.name) {
                adapters[index].cursor = try AdapterCursor(decoding: bytes)
            }
        } catch {
            failures.append(CheckFailure(.tables, "n\(index)'s adapter cannot read its cursor: \(error)"))
        }
        let held = adapters[index].table.changes(in: adapters[index].cursor.held)
        adapters[index].heldKeys = Set(held.map(\.key))
        // Records that changed while the adapter could not write (it was
        // down, or stalled) reach the table: sweep every record.
        if hooks.adapter.sweepsAtStart && now > 0 {
            adapters[index].sweeping = true
            adapters[index].rewrites += 1
        }
        wakeAdapter(index, after: 1)
    }

    /// Schedules a step of node `index`'s adapter `millis` from now (unless
    /// one is due sooner).
    func wakeAdapter(_ index: Int, after millis: UInt64) {
        let at = now + millis
        if let pending = adapters[index].wakeAt, pending <= at { return }
        adapters[index].wakeAt = at
        queue.schedule(.adapter(node: index, incarnation: nodes[index].incarnation), at: at)
    }

    /// Notes records a peer's batch or a reconciliation changed in the
    /// adapter's collection (what `AdapterRunner.observe` does).
    func adapterObserve(_ event: SyncEvent, at index: Int) {
        switch event {
        case .applied(let batch, let report) where batch.collection == Simulation.adapterCollection:
            adapters[index].note(report.changedRecords + report.removedRecords)
        case .reconciled(let collection, let report) where collection == Simulation.adapterCollection:
            adapters[index].note(report.changedRecords + report.removedRecords)
        default:
            return
        }
        wakeAdapter(index, after: 1)
    }

    /// One step of node `index`'s adapter.
    func adapterStep(_ index: Int, at time: UInt64) {
        guard adapters[index].wakeAt == time else { return }
        adapters[index].wakeAt = nil
        guard nodes[index].isUp, !adapters[index].stalled else { return }
        let problem = SchemaCheck.problem(adapters[index].mapping, adapters[index].table.schema)
        if adapters[index].paused != nil {
            guard problem == nil else {
                wakeAdapter(index, after: 500)
                return
            }
            adapters[index].paused = nil
            adapters[index].sweeping = true
            adapters[index].rewrites += 1
            trace("n\(index)'s adapter resumes: its table fits the mapping again; sweeping every record")
        } else if let problem {
            adapters[index].paused = problem.description
            metrics.adapterPauses += 1
            trace("n\(index)'s adapter pauses: \(problem)")
            wakeAdapter(index, after: 500)
            return
        }
        if !adapters[index].cursor.held.isEmpty {
            let opened = adapters[index].holdOpenedAt ?? now
            adapters[index].holdOpenedAt = opened
            // The planned decision, or (for a hold no mass delete of the
            // plan explains) the operator's approval a second later.
            if let approve = adapters[index].decision ?? (now >= opened + SimAdapter.operatorMillis ? true : nil) {
                guard release(index, approve: approve) else { return }
                adapters[index].holdOpenedAt = nil
            } else {
                wakeAdapter(index, after: opened + SimAdapter.operatorMillis - now)
            }
        }
        guard captureStep(index) else { return }
        outboundStep(index)
        let adapter = adapters[index]
        if adapter.table.sequence > adapter.cursor.through || !adapter.noted.isEmpty || adapter.sweeping {
            wakeAdapter(index, after: 1)
        }
        if let due = adapter.retries.nextDue { wakeAdapter(index, after: UInt64(max(due - Int64(now), 1))) }
    }

    // MARK: Capture

    /// Captures what the outbox holds after the cursor; false when the
    /// commit failed (the step ends; tried again in 50 ms).
    private func captureStep(_ index: Int) -> Bool {
        let read = adapters[index].table.read(after: adapters[index].cursor.through, limit: 1_000)
        guard let last = read.changes.last else {
            let adapter = adapters[index]
            if adapter.acknowledgedThrough < adapter.cursor.through {
                adapters[index].table.acknowledge(through: adapter.cursor.through, keeping: adapter.cursor.held)
                adapters[index].acknowledgedThrough = adapter.cursor.through
            }
            return true
        }
        let echoes = read.changes.filter { adapters[index].table.origins[$0.sequence] == .adapter }.count
        metrics.echoesCaptured += echoes
        return commitCapture(index, read.changes, read: read, releasing: false) { $0.through = last.sequence }
    }

    /// Resolves, plans and commits `changes` with the cursor `advance`
    /// makes, in one `driver.write` (as `AdapterRunner.commit`).
    /// `releasing` applies held deletes (they are not held again).
    private func commitCapture(
        _ index: Int, _ changes: [CapturedChange], read: CaptureRead, releasing: Bool, advance: (inout AdapterCursor) -> Void
    ) -> Bool {
        let mapping = adapters[index].mapping
        let identity = RecordIdentity(mapping: mapping, schema: adapters[index].table.schema)
        var keys: [String] = []
        var seen: Set<String> = []
        for change in changes where seen.insert(change.key).inserted { keys.append(change.key) }
        let known = adapters[index].table.records(forKeys: keys)
        let derived = KeyResolution.derivedIDs(changes, known: known, identity: identity)
        let claimed = adapters[index].table.keys(forRecords: derived.sorted())
        let resolution = KeyResolution.resolve(changes, known: known, claimed: claimed, identity: identity)
        if !resolution.newMappings.isEmpty { adapters[index].table.map(resolution.newMappings) }
        let node = nodes[index].id
        let planner = CapturePlanner(identity: identity, node: node)
        let cursor = adapters[index].cursor
        let holding = !releasing && planner.holdsDeletes(holdOpen: !cursor.held.isEmpty, read: read)
        var next = cursor
        advance(&next)
        let heldChanges = holding ? changes.filter { $0.kind == .delete && resolution.records[$0.sequence] != nil } : []
        next.hold(heldChanges.map(\.sequence))
        let ids = Set(resolution.records.values).sorted()
        // Records whose deletes are held: no commit may delete them.
        let heldRecords = releasing ? [] : Set(adapters[index].table.records(forKeys: Array(adapters[index].heldKeys)).values)
        if hooks.adapter.acknowledgesBeforeCommit {
            adapters[index].table.acknowledge(through: next.through, keeping: next.held)
        }
        var planned: CapturePlan?
        var deletedWhileHeld: [String] = []
        let made: DeltaBatch?
        // Read before the driver call (an access to `nodes` during it conflicts).
        let time = wall(index)
        do {
            made = try nodes[index].driver?.write(
                Simulation.adapterCollection, records: ids, now: time,
                cursor: AdapterCursorUpdate(adapter: mapping.name, cursor: next.encoded)
            ) { working, stamp in
                var snapshots: [String: RecordSnapshot] = [:]
                for id in ids {
                    if let store = working.records[id], let snapshot = RecordSnapshot(id: id, store: store) { snapshots[id] = snapshot }
                }
                let plan = planner.plan(changes, resolution: resolution, records: snapshots, holdDeletes: holding)
                let present = heldRecords.filter { working.contains($0) }
                let delta = try plan.apply(to: &working, by: node, now: stamp)
                deletedWhileHeld = present.filter { !working.contains($0) }.sorted()
                planned = plan
                return delta
            } ?? nil
        } catch {
            metrics.adapterCommitsFailed += 1
            trace("n\(index)'s adapter: the capture of \(changes.count) changes failed, not acknowledged: \(error)")
            drain(index)
            wakeAdapter(index, after: 50)
            return false
        }
        adapters[index].cursor = next
        adapters[index].heldKeys.formUnion(heldChanges.map(\.key))
        if !heldChanges.isEmpty {
            if adapters[index].holdOpenedAt == nil {
                adapters[index].holdOpenedAt = now
                wakeAdapter(index, after: 1)
            }
            metrics.heldDeletes += heldChanges.count
            trace("n\(index)'s adapter holds \(heldChanges.count) deletes of \(mapping.table) for approval (\(read.pendingDeletes) pending, \(read.tableRows) rows left)")
        }
        for record in deletedWhileHeld {
            failures.append(CheckFailure(.heldDeletes, "n\(index) deleted \(record) at \(now) ms while its delete was held for approval"))
        }
        if let plan = planned {
            metrics.adapterCaptures += plan.steps.count
            metrics.lostEdits += plan.lost.count
            metrics.captureIssues += plan.issues.count
            for delete in plan.deletes {
                committedDeletes[delete.record] = max(committedDeletes[delete.record] ?? .min, delete.editedAtMillis)
            }
            adapters[index].note(plan.repairs.sorted())
            if let batch = made {
                acknowledgeAdapterWrite(batch, index: index)
                trace("n\(index)'s adapter captures \(changes.count) changes of \(mapping.table) through #\(next.through): \(plan.steps.count) steps, \(plan.lost.count) lost to later edits, \(plan.issues.count) issues -> \(name(batch.id))")
            }
        }
        drain(index)
        return true
    }

    /// Counts an adapter's batch as acknowledged (every node must hold it).
    private func acknowledgeAdapterWrite(_ batch: DeltaBatch, index: Int) {
        metrics.writesAcknowledged += 1
        acknowledgedByID[batch.id] = acknowledged.count
        acknowledged.append(AcknowledgedWrite(batch: batch, writer: index, at: now, ops: [], effectDots: []))
        acknowledgedVector.insert(origin: batch.origin, sequence: batch.sequence)
    }

    /// Applies the operator's decision on the held deletes (as
    /// `AdapterRunner.approveDeletes` and `rejectDeletes`).
    private func release(_ index: Int, approve: Bool) -> Bool {
        let cursor = adapters[index].cursor
        let held = adapters[index].table.changes(in: cursor.held).filter { $0.kind == .delete }
        if held.count != cursor.heldCount {
            failures.append(CheckFailure(.heldDeletes,
                "n\(index)'s outbox keeps \(held.count) of its \(cursor.heldCount) held deletes at \(now) ms: the others are lost"))
        }
        if approve {
            let released = commitCapture(index, held, read: CaptureRead(changes: held, pendingDeletes: 0, tableRows: 0), releasing: true) {
                $0.held = []
            }
            guard released else { return false }
            metrics.approvedDeletes += held.count
        } else {
            var next = cursor
            next.held = []
            let time = wall(index)
            let name = adapters[index].mapping.name
            do {
                let made = try nodes[index].driver?.write(
                    Simulation.adapterCollection, records: [], now: time,
                    cursor: AdapterCursorUpdate(adapter: name, cursor: next.encoded)
                ) { _, _ in RecordCollection() } ?? nil
                if let made { acknowledgeAdapterWrite(made, index: index) }
            } catch {
                metrics.adapterCommitsFailed += 1
                trace("n\(index)'s adapter: rejecting the held deletes failed: \(error)")
                drain(index)
                wakeAdapter(index, after: 50)
                return false
            }
            adapters[index].cursor = next
            adapters[index].note(adapters[index].table.records(forKeys: held.map(\.key)).values.sorted())
            metrics.rejectedDeletes += held.count
            adapters[index].rewrites += 1
            drain(index)
        }
        trace("n\(index)'s operator \(approve ? "approves" : "rejects") \(held.count) held deletes of \(adapters[index].mapping.table)")
        adapters[index].heldKeys = []
        let through = adapters[index].cursor.through
        adapters[index].table.acknowledge(through: through, keeping: [])
        adapters[index].acknowledgedThrough = through
        return true
    }

    // MARK: Outbound

    /// Writes the records noted (and due for retry, or every record while
    /// sweeping) where their rows differ (as `AdapterRunner.outboundStep`).
    private func outboundStep(_ index: Int) {
        var ids = adapters[index].noted
        adapters[index].noted = []
        adapters[index].notedSet = []
        let clock = Int64(now)
        for record in adapters[index].retries.due(now: clock) where !ids.contains(record) { ids.append(record) }
        let store = nodes[index].store
        if adapters[index].sweeping {
            adapters[index].sweeping = false
            let all = ((try? store.records(Simulation.adapterCollection, after: nil, limit: Int.max)) ?? []).map(\.id)
            for record in all where !ids.contains(record) { ids.append(record) }
            ids += adapters[index].table.livingKeys.keys.sorted().filter { !ids.contains($0) }
        }
        guard !ids.isEmpty else { return }
        let working: RecordCollection
        do {
            working = try store.workingSet(Simulation.adapterCollection, records: ids)
        } catch {
            trace("n\(index)'s adapter cannot read its records: \(error)")
            adapters[index].note(ids)
            return
        }
        let table = adapters[index].table
        let keys = table.keys(forRecords: ids)
        let rows = table.rows(keys: Array(Set(keys.values)))
        var writes: [ExternalWrite] = []
        for id in ids {
            let key = keys[id]
            if let key, adapters[index].heldKeys.contains(key) { continue }
            let snapshot = working.records[id].flatMap { RecordSnapshot(id: id, store: $0) }
            do {
                if let write = try OutboundPlanner.write(
                    record: id, snapshot: snapshot, key: key, row: key.flatMap { rows[$0] }, mapping: table.mapping,
                    schema: table.schema) {
                    writes.append(write)
                } else {
                    adapters[index].retries.succeeded(id)
                }
            } catch {
                adapters[index].retries.failed(id, error: error.description, now: clock)
            }
        }
        guard !writes.isEmpty else { return }
        adapters[index].table.capturesOwnWrites = hooks.adapter.tablesCaptureOwnWrites
        let outcomes = adapters[index].table.apply(writes, capturedThrough: adapters[index].cursor.through, at: tableClock(index))
        for (write, outcome) in zip(writes, outcomes) {
            switch outcome {
            case .written:
                adapters[index].retries.succeeded(write.record)
                metrics.tableWrites += 1
            case .deferred:
                metrics.tableWritesDeferred += 1
                adapters[index].note([write.record])
            case .failed(let message):
                if adapters[index].retries.entries[write.record] == nil {
                    trace("n\(index)'s \(table.mapping.table) refuses the write of \(write.record): \(message); retried with backoff")
                }
                metrics.tableWritesRefused += 1
                adapters[index].retries.failed(write.record, error: message, now: clock)
            }
        }
        trace("n\(index)'s adapter writes \(writes.count) rows of \(table.mapping.table)")
    }
}
