import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

/// Local writes: each goes through `SyncDriver.write`, exactly as an
/// adapter's captured change would. A write is acknowledged when the
/// driver returns its batch (it is durable then); only acknowledged writes
/// reach the reference model.
extension Simulation {
    func write(_ op: WorkloadOp, at index: Int, item: Int) {
        guard nodes[index].isUp else {
            metrics.writesSkippedNodeDown += 1
            trace("n\(index) is down: write #\(item) (\(op)) not made")
            return
        }
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
            context = try nodes[index].store.workingSet(op.collection, records: []).context
        } catch {
            metrics.writesFailed += 1
            trace("n\(index) write #\(item) (\(op)) not made: the store cannot be read: \(error)")
            return
        }
        var observed = Set<ReferenceModel.EffectID>()
        for earlier in acknowledged where earlier.batch.collection == op.collection {
            for (position, dot) in earlier.effectDots.enumerated() where dot.map(context.contains) ?? false {
                observed.insert(ReferenceModel.EffectID(
                    write: ReferenceModel.WriteID(writer: earlier.writer, sequence: earlier.batch.sequence), index: position))
            }
        }
        // Measured before the write: reading the store afterwards could
        // change what a broken store variant does.
        let stateBefore = stateBytes(of: index)
        let newestHeld = newestEntry(of: index)
        var stamp = HLCTimestamp.zero
        let made: DeltaBatch?
        let time = wall(index)
        do {
            made = try nodes[index].driver?.write(op.collection, records: [op.record], now: time) { working, timestamp in
                stamp = timestamp
                return try op.apply(to: &working, by: node, at: timestamp)
            } ?? nil
        } catch {
            metrics.writesFailed += 1
            trace("n\(index) write #\(item) (\(op)) failed, not acknowledged: \(error)")
            drain(index)
            return
        }
        guard let batch = made else {
            metrics.writesWithoutChange += 1
            trace("n\(index) write #\(item) (\(op)) changes nothing here: no batch")
            drain(index)
            return
        }
        if let newestHeld, stamp <= newestHeld {
            failures.append(CheckFailure(.clockOrder,
                "n\(index) write #\(item) at \(now) ms is stamped \(describe(stamp)), not later than \(describe(newestHeld)), which it already held"))
        }
        metrics.writesAcknowledged += 1
        acknowledgedByID[batch.id] = acknowledged.count
        let effectDots = op.createdDots(in: (try? batch.delta(limits: syncConfiguration.limits)) ?? RecordCollection())
        acknowledged.append(AcknowledgedWrite(batch: batch, writer: index, at: now, op: op, effectDots: effectDots))
        acknowledgedVector.insert(origin: batch.origin, sequence: batch.sequence)
        model.record(ReferenceModel.Write(
            id: ReferenceModel.WriteID(writer: index, sequence: batch.sequence), writer: node,
            timestamp: stamp.rawValue, collection: op.collection, effects: op.effects, observed: observed))
        metrics.fullStateBytes += (stateBefore + batch.payload.count) * (nodes.count - 1)
        trace("n\(index) write #\(item): \(op) -> acknowledged as \(name(batch.id)) at \(describe(stamp)) (had seen \(observed.count) earlier effects)")
        drain(index)
        if tracking { recomputeCaughtUp() }
    }

    /// The newest timestamp of any field write node `index` holds, read
    /// from its store (checker 6 compares each local write against it).
    func newestEntry(of index: Int) -> HLCTimestamp? {
        let store = nodes[index].store
        var newest: HLCTimestamp?
        for collection in (try? store.collections()) ?? [] {
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
