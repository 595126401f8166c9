import Synchronization
import TandemAdapterCore
import TandemCore
import TandemNode
import TandemStore
import TandemSync

/// Runs one adapter: keeps one external table and one collection of a
/// `SyncNode` in two-way sync through an `AdapterDriver`, with every
/// decision made by the pure adapter core.
///
/// One loop, so capture and outbound never interleave: it captures what the
/// outbox holds (committing the CRDT change and the advanced cursor in one
/// transaction), then writes the records that changed in the CRDT to the
/// table, then waits for either. At first attach it imports the table's
/// existing rows (backfill) before writing anything, so a row is never
/// inserted twice; after the backfill, and on `checkParity()`, it sweeps
/// every record and repairs rows that differ.
///
/// Failures: a driver error (database gone, server restarting) is counted
/// and retried with backoff, nothing is lost (the outbox and the cursor are
/// durable); a mapped column that disappears or changes type pauses the
/// adapter until it is fixed; a record the table refuses waits in the retry
/// queue while every other record flows.
public actor AdapterRunner {
    public nonisolated let mapping: AdapterMapping
    let node: SyncNode
    let driver: any AdapterDriver
    let clock: @Sendable () -> Int64
    var schema = TableSchema(table: "", keyColumn: "", columns: [:])
    var cursor = AdapterCursor()
    var retries = RetrySchedule()
    var heldKeys: Set<String> = []
    /// The next record id a sweep starts after, while one runs.
    var sweep: (after: String?, repairs: Int)?
    var sweepWaiters: [CheckedContinuation<Int, Never>] = []
    var status = AdapterStatus()
    var loop: Task<Void, Never>?
    /// Records noted as changed from outside the actor (node events).
    nonisolated let inbox = Mutex<(order: [String], set: Set<String>)>(([], []))

    /// Records written per outbound step, changes read per capture step.
    static let outboundChunk = 500
    static let captureChunk = 1000

    public init(mapping: AdapterMapping, node: SyncNode, driver: any AdapterDriver, clock: @escaping @Sendable () -> Int64) {
        self.mapping = mapping
        self.node = node
        self.driver = driver
        self.clock = clock
    }

    /// Reads the table's schema, installs capture and starts the loop.
    ///
    /// - Throws: `AdapterError` when the table cannot be used (no such
    ///   table, a mapped column missing, an unreadable cursor).
    public func start() async throws {
        try await prepare()
        loop = Task { await self.run() }
    }

    /// Stops the loop and closes the driver.
    public func stop() async {
        loop?.cancel()
        await loop?.value
        loop = nil
        status.state = .stopped
        await driver.close()
    }

    /// The adapter's status now.
    public func currentStatus() -> AdapterStatus {
        var snapshot = status
        snapshot.retrying = retries.entries.count
        snapshot.heldDeletes = cursor.heldCount
        snapshot.capturedThrough = cursor.through
        return snapshot
    }

    /// Notes records of the adapter's collection that changed in the CRDT
    /// (from any thread): they are written to the table next.
    public nonisolated func noteChanged(_ records: [String]) {
        inbox.withLock { inbox in
            for record in records where inbox.set.insert(record).inserted { inbox.order.append(record) }
        }
    }

    /// Feeds a node event: records that peers' batches or reconciliation
    /// changed in the adapter's collection are noted.
    public nonisolated func observe(_ event: SyncEvent) {
        switch event {
        case .applied(let batch, let report) where batch.collection == mapping.collection:
            noteChanged(report.changedRecords + report.removedRecords)
        case .reconciled(let collection, let report) where collection == mapping.collection:
            noteChanged(report.changedRecords + report.removedRecords)
        default: break
        }
    }

    // MARK: Start

    func prepare() async throws {
        schema = try await driver.describe()
        if let problem = SchemaCheck.problem(mapping, schema) { throw problem }
        try await driver.attach(columns: mapping.columns)
        if let bytes = try node.adapterCursor(mapping.name) { cursor = try AdapterCursor(decoding: bytes) }
        if !cursor.held.isEmpty {
            heldKeys = Set(try await driver.changes(in: cursor.held).map(\.key))
        }
        status.state = cursor.backfilled ? .running : .backfilling
    }

    var identity: RecordIdentity { RecordIdentity(mapping: mapping, schema: schema) }
    var planner: CapturePlanner { CapturePlanner(identity: identity, node: node.node) }

    // MARK: Loop

    private func run() async {
        var backoff = 100
        while !Task.isCancelled {
            do {
                if case .paused = status.state {
                    try await resumeIfFixed()
                    if case .paused = status.state {
                        try? await Task.sleep(for: .milliseconds(500))
                        continue
                    }
                }
                var worked = false
                if !cursor.backfilled {
                    worked = try await backfillStep()
                } else {
                    worked = try await captureStep()
                    worked = try await outboundStep() || worked
                }
                backoff = 100
                status.idle = !worked && cursor.backfilled && sweep == nil && inbox.withLock({ $0.order.isEmpty })
                if !worked { await idle() }
            } catch {
                status.errors += 1
                status.lastError = "\(error)"
                status.idle = false
                if await schemaProblem() != nil { continue }
                try? await Task.sleep(for: .milliseconds(backoff))
                backoff = min(backoff * 2, 5_000)
            }
        }
    }

    /// Waits briefly for the outbox or the CRDT to have something.
    private func idle() async {
        let due = retries.nextDue.map { $0 <= clock() } ?? false
        if due || !inbox.withLock({ $0.order.isEmpty }) { return }
        await driver.waitForChanges(timeoutMillis: 25)
    }

    /// Pauses the adapter when its mapping no longer fits the table.
    private func schemaProblem() async -> AdapterError? {
        guard let found = try? await driver.describe() else { return nil }
        guard let problem = SchemaCheck.problem(mapping, found) else { return nil }
        status.state = .paused(problem.description)
        status.lastError = problem.description
        return problem
    }

    private func resumeIfFixed() async throws {
        let found = try await driver.describe()
        guard SchemaCheck.problem(mapping, found) == nil else { return }
        schema = found
        try await driver.attach(columns: mapping.columns)
        status.state = cursor.backfilled ? .running : .backfilling
        status.lastError = nil
        // What changed in the CRDT meanwhile reaches the table.
        if sweep == nil { sweep = (nil, 0) }
    }

    // MARK: Parity

    /// Sweeps every record of the collection now, writing rows that differ
    /// from the CRDT, and returns how many it repaired.
    public func checkParity() async -> Int {
        if sweep == nil { sweep = (nil, 0) }
        return await withCheckedContinuation { sweepWaiters.append($0) }
    }

    func finishSweep(repairs: Int) {
        status.paritySweeps += 1
        status.parityRepairs += repairs
        sweep = nil
        for waiter in sweepWaiters { waiter.resume(returning: repairs) }
        sweepWaiters.removeAll()
    }
}
