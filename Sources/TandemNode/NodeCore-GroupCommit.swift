import NIOCore
import TandemCore
import TandemSync

/// Local changes: queueing them, grouping them into batches and committing each batch.
extension NodeCore {
    /// Queues a local change for the next group commit.
    ///
    /// Changes that reach the event loop while it is busy (committing the
    /// previous batch, applying a peer's) are committed together: one batch,
    /// one signature, one transaction, however many callers. Under
    /// concurrent load a commit also waits until `groupCommitDelayMillis`
    /// after the previous one started. A change that arrives while the loop
    /// is idle, or from a lone sequential writer, is committed at once.
    /// Each caller's promise completes when the batch holding its change is
    /// durable.
    func enqueueWrite(_ write: LocalWrite) {
        guard running, driver != nil else {
            write.promise.fail(NodeError.notRunning)
            return
        }
        pendingWrites.append(write)
        guard !commitScheduled else { return }
        commitScheduled = true
        // Under concurrent load (the last commit took several changes and
        // started less than the delay ago) wait until the delay has passed
        // since it started; otherwise commit after the tasks already queued
        // on the loop, so the changes submitted meanwhile join this commit.
        // A lone sequential writer is never delayed.
        let delay = TimeAmount.milliseconds(max(configuration.groupCommitDelayMillis, 0))
        if let lastCommit, lastCommit.writes > 1, lastCommit.start + delay > .now() {
            commitTimer = eventLoop.assumeIsolated().scheduleTask(deadline: lastCommit.start + delay) { [self] in
                commitTimer = nil
                commitScheduled = false
                commitPending()
            }
        } else {
            eventLoop.assumeIsolated().execute { [self] in
                commitScheduled = false
                commitPending()
            }
        }
    }

    private func commitPending() {
        var groups: [(collection: String, writes: [LocalWrite], bytes: Int)] = []
        for write in pendingWrites {
            if write.adapter == nil, write.firedBy.isEmpty, let index = groups.lastIndex(where: { $0.collection == write.collection }),
               groups[index].writes.first?.adapter == nil, groups[index].writes.first?.firedBy.isEmpty == true,
               groups[index].writes.count < Self.maxWritesPerBatch,
               groups[index].bytes + write.estimatedBytes <= Self.maxGroupBytes {
                groups[index].writes.append(write)
                groups[index].bytes += write.estimatedBytes
            } else {
                groups.append((write.collection, [write], write.estimatedBytes))
            }
        }
        lastCommit = (.now(), pendingWrites.count)
        pendingWrites.removeAll()
        for group in groups { feed(.local(group.writes)) }
    }

    /// Commits `writes` (all of one collection) as one batch: each change
    /// runs on the shared working set with the batch's timestamp; a change
    /// that throws is undone and fails alone.
    func commit(_ writes: [LocalWrite], now: UInt64) {
        guard let collection = writes.first?.collection else { return }
        var ids: [String] = []
        var seen: Set<String> = []
        for write in writes {
            for id in write.records where seen.insert(id).inserted { ids.append(id) }
        }
        var failures: [Int: any Error] = [:]
        // Each record before and after, for the local-commit hook (rules).
        let observing = configuration.localCommits != nil
        var changes: [LocalCommit.Change] = []
        do {
            let adapter = writes.count == 1 ? writes[0].adapter : nil
            let batch = try driver?.write(
                collection, records: ids, now: now, cursor: adapter?.cursor,
                audit: { (adapter?.recorded ?? []) + writes.flatMap(\.audit) }
            ) { working, timestamp in
                let initial = observing ? working : nil
                defer {
                    if let initial {
                        changes = LocalCommit.changes(of: ids, from: initial, to: working)
                    }
                }
                var delta = RecordCollection()
                for (index, write) in writes.enumerated() {
                    let before = working
                    do {
                        delta.join(try write.change(&working, timestamp))
                    } catch {
                        working = before
                        failures[index] = error
                    }
                }
                return delta
            }
            if let batch = batch ?? nil, let hook = configuration.localCommits, !changes.isEmpty {
                hook(LocalCommit(batch: batch, changes: changes, firedBy: writes.count == 1 ? writes[0].firedBy : []))
            }
            for (index, write) in writes.enumerated() {
                if let failure = failures[index] { write.promise.fail(failure) } else { write.promise.succeed(batch ?? nil) }
            }
        } catch SyncWriteError.batchTooLarge where writes.count > 1 {
            // Together too large for one message: each change alone may fit
            // (nothing was committed, so each is tried on its own).
            for write in writes { commit([write], now: now) }
        } catch {
            for (index, write) in writes.enumerated() { write.promise.fail(failures[index] ?? error) }
        }
    }
}
