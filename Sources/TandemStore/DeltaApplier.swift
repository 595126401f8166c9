package import TandemCore

/// Joins a delta into stored state through `RecordRows`, with the exact
/// semantics of `RecordCollection.join`, while loading only the records the
/// delta touches: the records it carries, and the records holding dots its
/// causal context has seen (which it removed or overwrote).
package enum DeltaApplier {
    /// Joins `delta` into `collection` and returns what changed.
    ///
    /// - Complexity: one ranged id lookup per range of the delta's context
    ///   this replica has seen, one read of the t touched records (those
    ///   the delta carries and those holding dots its context has seen),
    ///   the join itself (as `RecordCollection.join`, over those t records
    ///   only), O(t log t) to order them, and one write per changed record.
    ///   Records the delta does not touch are never read.
    package static func apply<Rows: RecordRows>(
        _ delta: RecordCollection, to collection: String, rows: inout Rows
    ) throws(StoreError) -> ApplyReport {
        try join(delta, to: collection, context: try rows.context(of: collection), rows: &rows)
    }

    /// Joins a peer's batch made by `origin` into its collection on
    /// `receiver`, after checking its causal context against the stored one
    /// (`ContextClaims`): a context that claims what the receiver does not
    /// admit changes nothing and is returned as `.refused`.
    ///
    /// - Complexity: that of `apply`, after `ContextClaims.check`
    ///   (O(r + r') for the delta's and the stored context's ranges).
    package static func applyRemote<Rows: RecordRows>(
        _ delta: RecordCollection, of batch: DeltaBatch, receiver: NodeID, rows: inout Rows
    ) throws(StoreError) -> RemoteCommitOutcome {
        let context = try rows.context(of: batch.collection)
        if let violation = ContextClaims.check(delta, origin: batch.origin, receiver: receiver, seen: context) {
            return .refused(violation)
        }
        return .applied(try join(delta, to: batch.collection, context: context, rows: &rows))
    }

    private static func join<Rows: RecordRows>(
        _ delta: RecordCollection, to collection: String, context: CausalContext, rows: inout Rows
    ) throws(StoreError) -> ApplyReport {
        var touched = Set(delta.records.keys)
        for (node, dots) in delta.context.nodes {
            // Only dots this replica has seen can be held here.
            guard let mine = context.nodes[node] else { continue }
            var ranges: [ClosedRange<UInt64>] = dots.prefix > 0 ? [1...dots.prefix] : []
            ranges += dots.cloud
            for range in ranges {
                let upper = min(range.upperBound, mine.maxCounter)
                guard upper >= range.lowerBound else { continue }
                touched.formUnion(try rows.recordIDs(holdingDotsOf: node, in: range.lowerBound...upper, collection: collection))
            }
        }
        let before = try rows.records(touched, in: collection)
        var working = RecordCollection(trusted: before, context: context)
        working.join(delta)

        var report = ApplyReport()
        for id in touched.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let old = before[id]
            let new = working.records[id]
            if old == new { continue }
            try rows.writeRecord(id, from: old, to: new, in: collection)
            report.changedRecords.append(id)
            if new == nil { report.removedRecords.append(id) }
            guard let new else { continue }
            for (field, register) in new.fields where register.entries.count > 1 {
                if old?.fields[field] == register { continue }
                if let winner = register.winner {
                    report.conflicts.append(ApplyReport.Conflict(
                        record: id, field: field, winner: winner, losers: register.conflicts))
                }
            }
        }
        try rows.flushWrites()
        let changedNodes = delta.context.nodes.keys.filter { working.context.nodes[$0] != context.nodes[$0] }
        if !changedNodes.isEmpty {
            try rows.saveContext(working.context, nodes: changedNodes, of: collection)
        }
        return report
    }
}
