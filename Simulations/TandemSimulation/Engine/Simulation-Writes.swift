import TandemCore
import TandemCrypto
import TandemStore
import TandemRules
import TandemSync

/// Local writes: each goes through `SyncDriver.write`, exactly as an
/// adapter's captured change would. A write is acknowledged when the
/// driver returns its batch (it is durable then); only acknowledged writes
/// reach the reference model.
///
/// A grouped write (several operations on one collection) is committed as
/// a node's group commit commits its pending changes (`NodeCore.commit`):
/// one `driver.write` over the records they touch, whose closure runs each
/// operation in turn on the shared working set with the batch's timestamp
/// and joins their deltas into the batch's delta. An operation that throws
/// is undone and left out, the others still commit.
extension Simulation {
    /// `firedBy`: the rules whose write this is (`Simulation-Rules.swift`).
    /// Returns the acknowledged batch, or nil.
    @discardableResult
    func write(_ ops: [WorkloadOp], at index: Int, item: Int, firedBy: [String] = []) -> DeltaBatch? {
        let what = WorkloadOp.describe(ops)
        guard nodes[index].isUp else {
            metrics.writesSkippedNodeDown += 1
            trace("n\(index) is down: write #\(item) (\(what)) not made")
            return nil
        }
        guard let collection = ops.first?.collection else { return nil }
        let node = nodes[index].id
        // The model's input: which effects of acknowledged writes this node
        // has seen, read from its state: its causal context holds their dots.
        // Only effects that leave entries can be superseded, and those have
        // dots. (Per effect, not per write: a later overwrite of one field of
        // a two-field write carries that field's dot only. And not "the
        // batches it holds": digest reconciliation brings records without
        // their batches.)
        let context: CausalContext
        do {
            context = try nodes[index].store.workingSet(collection, records: []).context
        } catch {
            metrics.writesFailed += 1
            trace("n\(index) write #\(item) (\(what)) not made: the store cannot be read: \(error)")
            return nil
        }
        var observed = Set<ReferenceModel.EffectID>()
        for earlier in acknowledged where earlier.batch.collection == collection {
            for (position, dot) in earlier.effectDots.enumerated() where dot.map(context.contains) ?? false {
                observed.insert(ReferenceModel.EffectID(
                    write: ReferenceModel.WriteID(writer: earlier.writer, sequence: earlier.batch.sequence), index: position))
            }
        }
        // Measured before the write: reading the store afterwards could
        // change what a broken store variant does.
        let stateBefore = stateBytes(of: index)
        let newestHeld = newestEntry(of: index)
        var records: [String] = []
        for op in ops where !records.contains(op.record) { records.append(op.record) }
        var stamp = HLCTimestamp.zero
        // Each operation's own delta, or nil if it threw (and was undone).
        var deltas: [RecordCollection?] = []
        // Each record before and after, for the rules (as `NodeCore.commit` reports them).
        let watched = Self.ruleEngine?.rules.contains { $0.collection == collection } ?? false
        var changes: [(id: String, before: RecordView?, after: RecordView?)] = []
        let made: DeltaBatch?
        let time = wall(index)
        do {
            made = try nodes[index].driver?.write(collection, records: records, now: time) { working, timestamp in
                stamp = timestamp
                deltas = []
                let initial = watched ? working : nil
                defer {
                    if let initial {
                        changes = records.map { id in
                            let id = Identifier.normalized(id)
                            return (id, initial.record(id), working.record(id))
                        }
                    }
                }
                var delta = RecordCollection()
                for op in ops {
                    let before = working
                    do {
                        let own = try op.apply(to: &working, by: node, at: timestamp)
                        delta.join(own)
                        deltas.append(own)
                    } catch {
                        working = before
                        deltas.append(nil)
                    }
                }
                return delta
            } ?? nil
        } catch {
            metrics.writesFailed += 1
            trace("n\(index) write #\(item) (\(what)) failed, not acknowledged: \(error)")
            drain(index)
            return nil
        }
        guard let batch = made else {
            metrics.writesWithoutChange += 1
            trace("n\(index) write #\(item) (\(what)) changes nothing here: no batch")
            drain(index)
            return nil
        }
        if let newestHeld, stamp <= newestHeld {
            failures.append(CheckFailure(.clockOrder,
                "n\(index) write #\(item) at \(now) ms is stamped \(describe(stamp)), not later than \(describe(newestHeld)), which it already held"))
        }
        // The operations that took effect, in order, with their effects and
        // the dots of the entries each created (read from its own delta: an
        // entry a later operation of the group overwrote is not in the
        // batch's delta, but its dot is in the batch's context).
        var applied: [WorkloadOp] = []
        var effects: [ReferenceModel.Effect] = []
        var effectDots: [Dot?] = []
        for (op, own) in zip(ops, deltas) {
            guard let own else {
                trace("n\(index) write #\(item): \(op) was refused and undone; the rest of the group commits")
                continue
            }
            applied.append(op)
            effects += op.effects
            effectDots += op.createdDots(in: own)
        }
        metrics.writesAcknowledged += 1
        if ops.count > 1 {
            metrics.groupedWrites += 1
            metrics.groupedOperations += applied.count
        }
        acknowledgedByID[batch.id] = acknowledged.count
        acknowledged.append(AcknowledgedWrite(batch: batch, writer: index, at: now, ops: applied, effectDots: effectDots))
        acknowledgedVector.insert(origin: batch.origin, sequence: batch.sequence)
        model.record(ReferenceModel.Write(
            id: ReferenceModel.WriteID(writer: index, sequence: batch.sequence), writer: node,
            timestamp: stamp.rawValue, collection: collection, effects: effects, observed: observed))
        metrics.fullStateBytes += (stateBefore + batch.payload.count) * (nodes.count - 1)
        trace("n\(index) write #\(item): \(what) -> acknowledged as \(name(batch.id)) at \(describe(stamp)) (had seen \(observed.count) earlier effects)")
        drain(index)
        if tracking { recomputeCaughtUp() }
        if watched { fireRules(changes, of: batch, at: index, item: item, firedBy: firedBy) }
        return batch
    }

    /// The newest timestamp of any field write node `index` holds, read
    /// from its store (checker 6 compares each local write against it).
    func newestEntry(of index: Int) -> HLCTimestamp? {
        let store = nodes[index].store
        var newest: HLCTimestamp?
        // Captured edits carry their external edit times (older than the
        // batch's): the adapter's collection is not in the clock-order check.
        for collection in (try? store.collections()) ?? [] where collection != Simulation.adapterCollection {
            for (_, record) in (try? store.records(collection, after: nil, limit: Int.max)) ?? [] {
                for (_, register) in record.fields {
                    for entry in register.entries where newest.map({ entry.timestamp > $0 }) ?? true {
                        newest = entry.timestamp
                    }
                }
            }
        }
        return newest
    }

    /// The encoded size of every collection node `index` holds.
    func stateBytes(of index: Int) -> Int {
        let store = nodes[index].store
        var total = 0
        for collection in (try? store.collections()) ?? [] {
            let ids = ((try? store.records(collection, after: nil, limit: Int.max)) ?? []).map(\.id)
            if let state = try? store.workingSet(collection, records: ids) { total += state.encoded().count }
        }
        return total
    }
}
