import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

/// The five checkers, run on every run once it has converged and stayed
/// quiet (or once the bound has passed without convergence).
extension Simulation {
    func finish() -> RunResult {
        var found = failures
        var snapshots: [NodeSnapshot] = []
        for node in nodes {
            do {
                snapshots.append(try NodeSnapshot(node))
            } catch {
                found.append(CheckFailure(.convergence, "n\(node.index)'s store cannot be read: \(error)"))
            }
            if !node.isUp { found.append(CheckFailure(.convergence, "n\(node.index) is down at the end of the run")) }
        }
        found += checkConvergence(snapshots)
        found += checkModel(snapshots)
        found += checkAcknowledged(snapshots)
        found += checkForgedInput(snapshots)
        found += checkAdapters(snapshots)
        found += checkRules(snapshots)
        let afterHeal = convergedAt.map { $0 - min($0, healAt) }
        if let afterHeal {
            if afterHeal > bound {
                found.append(CheckFailure(.convergenceBound, "converged \(afterHeal) ms after the last heal; the bound is \(bound) ms"))
            }
        } else {
            found.append(CheckFailure(.convergenceBound,
                "not converged \(now - min(now, healAt)) ms after the last heal (bound \(bound) ms): " + laggards()))
        }
        metrics.stateBytes = snapshots.first?.stateBytes ?? 0
        for node in nodes {
            for (kind, hits) in node.faults.hits { metrics.commitFailureHits[kind, default: 0] += hits }
        }
        (metrics.fieldWrites, metrics.tiedFieldWrites) = model.timestampTies()
        for failure in found { trace("FAILED \(failure)") }
        if found.isEmpty { trace("all checkers passed") }
        return RunResult(
            seed: seed, topology: plan.topology.kind, nodeCount: nodes.count, faults: config.faults, store: plan.store, keep: keep,
            failures: found, healAt: healAt, convergedAfterHeal: afterHeal, bound: bound, metrics: metrics,
            trace: traceLines)
    }

    /// Which nodes lack which acknowledged writes, or still hold some back.
    private func laggards() -> String {
        var parts: [String] = []
        for node in nodes {
            guard let machine = node.driver?.machine else {
                parts.append("n\(node.index) down")
                continue
            }
            guard let committed = try? node.store.summary().batches else {
                parts.append("n\(node.index)'s store cannot be read")
                continue
            }
            if committed != machine.held {
                parts.append("n\(node.index)'s machine counts \(describe(machine.held)) as held, its store committed \(describe(committed))")
            }
            let missing = acknowledged.filter { !committed.contains(origin: $0.batch.origin, sequence: $0.batch.sequence) }
            if !missing.isEmpty {
                parts.append("n\(node.index) lacks " + missing.prefix(6).map { name($0.batch.id) }.joined(separator: " ")
                    + (missing.count > 6 ? " (+\(missing.count - 6))" : ""))
            }
            var extra = committed
            extra.subtract(acknowledgedVector)
            if extra != BatchVector() { parts.append("n\(node.index) counts as held batches no node acknowledged: \(describe(extra))") }
            if machine.heldForClockSkew > 0 { parts.append("n\(node.index) holds \(machine.heldForClockSkew) for clock skew") }
        }
        return parts.isEmpty ? "every node caught up only after the run stopped" : parts.joined(separator: "; ")
    }

    /// Checker 1: every node holds the same batches and the same state.
    private func checkConvergence(_ snapshots: [NodeSnapshot]) -> [CheckFailure] {
        guard let first = snapshots.first else { return [] }
        var found: [CheckFailure] = []
        for other in snapshots.dropFirst() {
            if other.held != first.held {
                found.append(CheckFailure(.convergence, "n\(other.index) holds batches \(describe(other.held)), n\(first.index) holds \(describe(first.held))"))
            }
            let names = Set(first.collections.keys).union(other.collections.keys).sorted()
            for collection in names {
                let mine = first.collections[collection] ?? RecordCollection()
                let theirs = other.collections[collection] ?? RecordCollection()
                if mine == theirs { continue }
                let ids = Set(mine.records.keys).union(theirs.records.keys).sorted()
                let differing = ids.filter { mine.records[$0] != theirs.records[$0] }
                if let id = differing.first {
                    found.append(CheckFailure(.convergence,
                        "n\(other.index) and n\(first.index) differ on \(collection)/\(id): "
                            + "n\(first.index) has \(describe(mine.records[id])), n\(other.index) has \(describe(theirs.records[id]))"
                            + (differing.count > 1 ? " (and \(differing.count - 1) more records)" : "")))
                } else {
                    found.append(CheckFailure(.convergence,
                        "n\(other.index) and n\(first.index) differ in the causal context of \(collection)"))
                }
            }
        }
        return found
    }

    /// Checker 2: every node agrees with the reference model.
    private func checkModel(_ snapshots: [NodeSnapshot]) -> [CheckFailure] {
        let expected = model.expectedState()
        var found: [CheckFailure] = []
        for snapshot in snapshots {
            let actual = snapshot.modelView
            var differences: [String] = []
            // The adapters' collection has checkers of its own (7 to 11).
            for collection in Set(expected.keys).union(actual.keys).sorted() where collection != Simulation.adapterCollection {
                let want = expected[collection] ?? [:]
                let have = actual[collection] ?? [:]
                for id in Set(want.keys).union(have.keys).sorted() where want[id] != have[id] {
                    differences.append("\(collection)/\(id): expected \(describe(want[id])), has \(describe(have[id]))")
                }
            }
            if !differences.isEmpty {
                found.append(CheckFailure(.model, "n\(snapshot.index) disagrees with the reference model: "
                    + differences.prefix(3).joined(separator: "; ")
                    + (differences.count > 3 ? " (and \(differences.count - 3) more records)" : "")))
            }
        }
        return found
    }

    /// Checker 3: every acknowledged write is held by every node: its
    /// store's vector counts it, its state contains the batch's content (the
    /// node's state joined with the batch's delta is the node's state: the
    /// batch has nothing the node lacks), and its delta log has the batch
    /// byte for byte unless compaction removed it. The content is checked
    /// whatever the vectors say: digest adoption records batches as held and
    /// compacted, and only the state shows whether their effect arrived.
    private func checkAcknowledged(_ snapshots: [NodeSnapshot]) -> [CheckFailure] {
        var found: [CheckFailure] = []
        let deltas = acknowledged.map { try? $0.batch.delta(limits: syncConfiguration.limits) }
        for snapshot in snapshots {
            var missing: [String] = []
            for (write, delta) in zip(acknowledged, deltas) {
                let batch = write.batch
                let held = snapshot.held.contains(origin: batch.origin, sequence: batch.sequence)
                let compacted = snapshot.compacted.contains(origin: batch.origin, sequence: batch.sequence)
                let logged = snapshot.log[batch.id] == batch || (snapshot.log[batch.id] == nil && compacted)
                let state = snapshot.collections[batch.collection] ?? RecordCollection()
                var joined = state
                if let delta { joined.join(delta) }
                let contained = delta != nil && joined == state
                if !held || !logged || !contained {
                    var what: [String] = []
                    if !held { what.append("not counted as held") }
                    if snapshot.log[batch.id] != nil && snapshot.log[batch.id] != batch { what.append("a different batch has its id") }
                    if held && !logged { what.append("not in its delta log, not compacted") }
                    if !contained { what.append(held ? "its content is missing although the vector counts it\(compacted ? " (as compacted)" : "")" : "its content is missing") }
                    missing.append("\(name(batch.id)) (\(WorkloadOp.describe(write.ops)), acknowledged at \(write.at) ms): " + what.joined(separator: ", "))
                }
            }
            if !missing.isEmpty {
                found.append(CheckFailure(.acknowledged, "n\(snapshot.index) lacks \(missing.count) acknowledged writes: "
                    + missing.prefix(3).joined(separator: "; ") + (missing.count > 3 ? "; ..." : "")))
            }
        }
        return found
    }

    /// Checker 4: nothing but acknowledged batches reached any node.
    private func checkForgedInput(_ snapshots: [NodeSnapshot]) -> [CheckFailure] {
        var found: [CheckFailure] = []
        for snapshot in snapshots {
            let foreign = snapshot.log.values.filter { batch in
                acknowledgedByID[batch.id].map { acknowledged[$0].batch != batch } ?? true
            }
            if let batch = foreign.min(by: { $0.id < $1.id }) {
                found.append(CheckFailure(.forgedInput,
                    "n\(snapshot.index) holds \(foreign.count) batches no node acknowledged, such as \(name(batch.id)) (\(batch.payload.count) bytes)"))
            }
            var extra = snapshot.held
            extra.formUnion(acknowledgedVector)
            if extra != acknowledgedVector && foreign.isEmpty {
                found.append(CheckFailure(.forgedInput,
                    "n\(snapshot.index) counts batches as held that no node acknowledged: \(describe(snapshot.held)) vs \(describe(acknowledgedVector))"))
            }
        }
        return found
    }

    private func describe(_ record: RecordStore?) -> String {
        guard let record else { return "nothing (deleted or never written)" }
        let dots = record.dots.map { "\(nodeIndex[$0.node].map { "n\($0)" } ?? "?"):\($0.counter)" }
        return describe(NodeSnapshot.modelRecord(record)) + " dots " + dots.joined(separator: " ")
    }

    private func describe(_ record: ReferenceModel.Record?) -> String {
        guard let record else { return "no record" }
        let fields = record.fields.sorted { $0.key < $1.key }.map { name, field in
            "\(name)=\(field.value) [" + field.versions.map { "\($0.value) \(describe($0))" }.joined(separator: "; ") + "]"
        }
        let sets = record.sets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.sorted())" }
        return "{" + (fields + sets).joined(separator: ", ") + "}"
    }

    /// Who wrote a field version, and when.
    private func describe(_ version: ReferenceModel.FieldVersion) -> String {
        let writer = nodeIndex[version.writer].map { "n\($0)" } ?? "\(version.writer)"
        return "by \(writer) at \(describe(HLCTimestamp(rawValue: version.timestamp)))"
    }
}
