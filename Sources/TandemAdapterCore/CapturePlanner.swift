public import TandemCore

/// The adapter core's capture decisions (pure: no I/O, clock or
/// randomness). Given captured row changes, the records they resolved to and
/// those records' CRDT state, it decides which field writes to commit, with
/// which edit times; which edits lost to later ones; which deletes to commit
/// or hold; and which rows to repair.
///
/// Rules (docs/semantics.md, "Adapters"):
/// - Only mapped columns of fields whose direction captures are read; an
///   edit of an `out` field, or of a field another node owns, is not
///   applied and the row is repaired from the CRDT. A row that shows the
///   owned field as the record holds it, or a new row's or a backfill's NULL
///   (a field it was not given), made no edit of it and is no refusal.
/// - A value equal to the CRDT's, edited later than the CRDT's was, is
///   written again with its edit time (the person asserted it then, so a
///   concurrent delete or an older edit does not remove it); edited earlier,
///   or read by a backfill, it is no change. The adapter's own writes carry
///   the capture marker and are never captured.
/// - An update that clears a column writes NULL even where the record held
///   nothing; a new row's NULLs are the fields it was not given.
/// - A value edited before the CRDT's current value was written loses: it is
///   kept in the audit log and the row is repaired. Otherwise it is written
///   with its edit time, so last-writer-wins orders edits by when people
///   made them.
/// - A delete made before a later edit of the record loses the same way.
/// - Deletes are held while a mass delete is open (`MassDeletePolicy`).
public struct CapturePlanner: Sendable {
    public var identity: RecordIdentity
    /// The node that will sign the writes (for ownership).
    public var node: NodeID

    public init(identity: RecordIdentity, node: NodeID) {
        self.identity = identity
        self.node = node
    }

    var mapping: AdapterMapping { identity.mapping }

    /// Whether the deletes of a read should be held: a hold is already open,
    /// or the pending deletes make a mass delete.
    public func holdsDeletes(holdOpen: Bool, read: CaptureRead) -> Bool {
        holdOpen || mapping.massDeletes.holds(pendingDeletes: read.pendingDeletes, remainingRows: read.tableRows)
    }

    /// The plan for `changes` (in outbox order), given their `resolution`
    /// and the current state of the records they resolved to (absent
    /// records do not exist).
    ///
    /// With `backfill`, the changes are a table's existing rows imported at
    /// first attach, stamped with the earliest edit time: a value the CRDT
    /// already holds wins over them even at an equal time, so attaching a
    /// second system never silently overwrites the first one's values (the
    /// differing ones are kept as lost edits and the rows are repaired).
    public func plan(
        _ changes: [CapturedChange], resolution: KeyResolution, records: [String: RecordSnapshot], holdDeletes: Bool,
        backfill: Bool = false
    ) -> CapturePlan {
        var plan = CapturePlan()
        plan.issues = resolution.issues
        var state = records
        // The step a record's next write merges into (none after a delete).
        var writeIndex: [String: Int] = [:]
        for change in changes {
            guard let record = resolution.records[change.sequence] else { continue }
            if change.kind == .delete {
                if planDelete(change, record: record, state: &state, plan: &plan, holding: holdDeletes) {
                    writeIndex[record] = nil
                }
                continue
            }
            let exists = state[record] != nil
            var snapshot = state[record] ?? RecordSnapshot(id: record)
            var write = CapturePlan.RecordWrite(record: record, key: change.key, creates: !exists)
            var changedAnything = !exists
            let new = change.new ?? [:]
            let old = change.old ?? [:]
            for binding in mapping.fields {
                guard let type = identity.schema.columns[binding.column], let after = new[binding.column] else { continue }
                let before = old[binding.column]
                // Updates carry only the columns they changed.
                if change.kind == .update, let before, before == after { continue }
                guard binding.direction.captures else {
                    plan.repairs.insert(record)
                    continue
                }
                guard mapping.mayWrite(binding.field, node: node) else {
                    // A row showing what the record holds did not edit the
                    // owned field, and a new row's or a backfill's NULL is a
                    // field it was not given (the row is repaired, nothing
                    // refused); any other value is refused.
                    if !binding.isSet {
                        if Self.shows(snapshot.fields[binding.field]?.value, after, column: binding.column, type: type) { continue }
                        if after == .null && (change.kind == .insert || backfill) {
                            plan.repairs.insert(record)
                            continue
                        }
                    }
                    plan.issues.append(CaptureIssue(
                        sequence: change.sequence, key: change.key,
                        kind: .notOwner(field: binding.field, owner: mapping.owners[binding.field] ?? node)))
                    plan.repairs.insert(record)
                    continue
                }
                do {
                    if binding.isSet {
                        let now = Set(try ValueConversion.elements(after, column: binding.column, type: type))
                        let was: Set<Value> = change.kind == .insert
                            ? [] : Set(try ValueConversion.elements(before ?? .null, column: binding.column, type: type))
                        let held = Set(snapshot.sets[binding.field] ?? [])
                        // An element an edit added is added again even when
                        // the record holds it: the new add is what a
                        // concurrent remove that saw only the old one cannot
                        // take away (add-wins). A backfill only fills in.
                        for element in now.subtracting(was).sorted() where !backfill || !held.contains(element) {
                            write.adds.append((binding.field, element))
                        }
                        for element in was.subtracting(now).sorted() where held.contains(element) {
                            write.removes.append((binding.field, element))
                        }
                        snapshot.sets[binding.field] = Array(held.union(now.subtracting(was)).subtracting(was.subtracting(now))).sorted()
                        if !write.adds.isEmpty || !write.removes.isEmpty { changedAnything = true }
                        continue
                    }
                    let value = try ValueConversion.value(after, column: binding.column, type: type)
                    // NULL where the record holds nothing is no change when
                    // a new row shows it for a field it was not given, or a
                    // backfill reads it. An update that clears the column
                    // is an edit: it is written, so an older value that
                    // arrives later does not win silently.
                    if value == .null && snapshot.fields[binding.field] == nil && exists
                        && (change.kind == .insert || before == nil || backfill) { continue }
                    // The match key a record without that field shows
                    // (`OutboundPlanner`) is written by an edit (a delete
                    // removed the field; the edit puts it back), not by a
                    // backfill.
                    if snapshot.fields[binding.field] == nil, exists, backfill,
                       let shown = RecordIdentity.shownKey(
                           of: record, field: binding.field, column: binding.column, type: type, mapping: mapping),
                       shown == value { continue }
                    if let current = snapshot.fields[binding.field] {
                        if current.value == value
                            || ValueConversion.normalized(current.value, column: binding.column, type: type) == value {
                            // The same value edited later is written again
                            // with its edit time (in the spelling held), so
                            // a concurrent delete or older edit that saw only
                            // the earlier write does not take it away. The
                            // adapter's own writes carry the capture marker
                            // and never reach here; one that did would write
                            // an equal value once, which no table shows as a
                            // change, so nothing ping-pongs.
                            guard !backfill, change.editedAtMillis > current.editedAtMillis else { continue }
                            write.fields.append(CapturePlan.FieldWrite(
                                field: binding.field, value: current.value, editedAtMillis: change.editedAtMillis))
                            snapshot.fields[binding.field] = RecordSnapshot.Field(
                                value: current.value, editedAtMillis: change.editedAtMillis, writer: node)
                            changedAnything = true
                            continue
                        }
                        if current.editedAtMillis > change.editedAtMillis || (backfill && current.editedAtMillis >= change.editedAtMillis) {
                            plan.lost.append(CapturePlan.LostEdit(
                                record: record, key: change.key, field: binding.field, value: value,
                                editedAtMillis: change.editedAtMillis, winner: current.value,
                                winnerEditedAtMillis: current.editedAtMillis))
                            plan.repairs.insert(record)
                            continue
                        }
                    }
                    // The edit did not see the value it replaces (made
                    // elsewhere, not yet written to this row): a concurrent
                    // edit, kept so it can be restored.
                    if let current = snapshot.fields[binding.field], current.value != .null, !backfill,
                       !Self.saw(current.value, before: change.kind == .insert ? nil : before, column: binding.column, type: type) {
                        plan.overwritten.append(CapturePlan.LostEdit(
                            record: record, key: change.key, field: binding.field, value: current.value,
                            editedAtMillis: current.editedAtMillis, winner: value, winnerEditedAtMillis: change.editedAtMillis))
                    }
                    write.fields.append(CapturePlan.FieldWrite(
                        field: binding.field, value: value, editedAtMillis: change.editedAtMillis))
                    snapshot.fields[binding.field] = RecordSnapshot.Field(
                        value: value, editedAtMillis: change.editedAtMillis, writer: node)
                    changedAnything = true
                } catch {
                    plan.issues.append(CaptureIssue(sequence: change.sequence, key: change.key, kind: .invalidValue(error)))
                }
            }
            state[record] = snapshot
            guard changedAnything else {
                plan.unchanged += 1
                continue
            }
            if let index = writeIndex[record], case .write(var merged) = plan.steps[index] {
                merged.fields.append(contentsOf: write.fields)
                merged.adds.append(contentsOf: write.adds)
                merged.removes.append(contentsOf: write.removes)
                merged.creates = merged.creates || write.creates
                plan.steps[index] = .write(merged)
            } else {
                writeIndex[record] = plan.steps.count
                plan.steps.append(.write(write))
            }
        }
        return plan
    }

    /// Whether a row's `value` shows the record's `held` value (NULL for a
    /// field it does not hold), in the column's canonical form.
    static func shows(_ held: Value?, _ value: ExternalValue, column: String, type: ColumnType) -> Bool {
        guard let shown = try? ValueConversion.value(value, column: column, type: type) else { return false }
        guard let held, held != .null else { return shown == .null }
        return shown == held || shown == ValueConversion.normalized(held, column: column, type: type)
    }

    /// Whether the row showed `held` before the edit (`before`, nil for a
    /// new row), in the column's canonical form.
    static func saw(_ held: Value, before: ExternalValue?, column: String, type: ColumnType) -> Bool {
        guard let before, let shown = try? ValueConversion.value(before, column: column, type: type) else { return false }
        return shown == held || shown == ValueConversion.normalized(held, column: column, type: type)
    }

    /// Plans one delete; returns whether it deletes.
    private func planDelete(
        _ change: CapturedChange, record: String, state: inout [String: RecordSnapshot], plan: inout CapturePlan, holding: Bool
    ) -> Bool {
        // Every resolved delete joins an open hold (the runner counts on
        // this to write the held sequences into the cursor beforehand).
        if holding {
            plan.held.append(change.sequence)
            return false
        }
        guard let snapshot = state[record] else {
            plan.unchanged += 1
            return false
        }
        let latest = snapshot.latestEditMillis
        if latest > change.editedAtMillis {
            plan.lost.append(CapturePlan.LostEdit(
                record: record, key: change.key, field: nil, value: nil, editedAtMillis: change.editedAtMillis,
                winner: nil, winnerEditedAtMillis: latest))
            plan.repairs.insert(record)
            return false
        }
        plan.steps.append(.delete(CapturePlan.Delete(
            record: record, key: change.key, sequence: change.sequence, editedAtMillis: change.editedAtMillis)))
        state[record] = nil
        return true
    }
}
