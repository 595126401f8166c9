import Synchronization
public import TandemAdapterCore
import TandemCore
public import TandemNode
import TandemStore
public import TandemSync

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
    /// The records of the held deletes: their rows are gone from the table,
    /// so the key map no longer finds them; outbound must not write them
    /// back (as inserts) before the hold is released.
    var heldRecords: Set<String> = []
    /// The next record id a sweep starts after, while one runs.
    var sweep: (after: String?, repairs: Int)?
    var sweepWaiters: [CheckedContinuation<Int, Never>] = []
    var status = AdapterStatus()
    /// Changes taken per capture commit (halved while batches are too large).
    var captureLimit = AdapterRunner.captureChunk
    /// Rows imported per backfill commit (see `init`).
    let backfillChunk: Int
    /// Rows taken per backfill commit (halved while batches are too large).
    var backfillLimit: Int
    var sweepsAfterBackfill = true
    /// The cursor position the outbox was last pruned to.
    var acknowledgedThrough: Int64 = 0
    /// When this run's backfill started (wall clock, ms).
    var backfillStarted: Int64?
    /// Whether a step (the loop's, or an operator's approve or reject) is
    /// under way: the actor is reentrant at every await, and two steps that
    /// both advance the cursor must not interleave.
    var stepping = false
    var stepWaiters: [CheckedContinuation<Void, Never>] = []
    var loop: Task<Void, Never>?
    /// Called with the time from a peer's edit to its commit in this table
    /// (see ``init(mapping:node:driver:clock:onSyncLatency:)``).
    let onSyncLatency: (@Sendable (_ millis: Int64) -> Void)?
    /// When this runner started (wall clock, ms): older edits are not
    /// measured (a backfill's values carry the earliest time).
    var startedAtMillis: Int64 = .max
    /// Records noted as changed from outside the actor (node events).
    nonisolated let inbox = Mutex<(order: [String], set: Set<String>)>(([], []))
    /// Rung when records are noted, so an idle loop wakes at once.
    nonisolated let doorbell = Doorbell()

    /// Records written per outbound step, changes read per capture step.
    static let outboundChunk = 1000
    static let captureChunk = 1000
    /// Rows imported per backfill commit by default.
    public static let defaultBackfillChunk = 5000

    /// - Parameter onSyncLatency: called after each row write that brings a
    ///   peer's edit to the table, with the milliseconds from the edit (the
    ///   newest of the record's fields written by another node, made since
    ///   this runner started) to the write's commit: the sync latency.
    /// - Parameter backfillChunk: rows of the first attach's import read
    ///   and committed per transaction (at least 1).
    public init(
        mapping: AdapterMapping, node: SyncNode, driver: any AdapterDriver, clock: @escaping @Sendable () -> Int64,
        backfillChunk: Int = AdapterRunner.defaultBackfillChunk,
        onSyncLatency: (@Sendable (_ millis: Int64) -> Void)? = nil
    ) {
        self.backfillChunk = max(backfillChunk, 1)
        self.backfillLimit = max(backfillChunk, 1)
        self.onSyncLatency = onSyncLatency
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
        startedAtMillis = clock()
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
        if let started = backfillStarted, status.state == .backfilling, status.backfilledRows > 0 {
            let seconds = Double(max(clock() - started, 1)) / 1000
            let rate = Double(status.backfilledRows) / seconds
            snapshot.backfillRowsPerSecond = rate
            if let total = status.backfillTotal {
                snapshot.backfillSecondsLeft = Double(max(total - status.backfilledRows, 0)) / max(rate, 1)
            }
        }
        return snapshot
    }

    /// Notes records of the adapter's collection that changed in the CRDT
    /// (from any thread): they are written to the table next.
    public nonisolated func noteChanged(_ records: [String]) {
        guard !records.isEmpty else { return }
        inbox.withLock { inbox in
            for record in records where inbox.set.insert(record).inserted { inbox.order.append(record) }
        }
        doorbell.ring()
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
        if let bytes = try await node.adapterCursor(mapping.name) { cursor = try AdapterCursor(decoding: bytes) }
        if !cursor.held.isEmpty {
            heldKeys = Set(try await driver.changes(in: cursor.held).map(\.key))
            heldRecords = Set(try await driver.records(forKeys: Array(heldKeys)).values)
        }
        status.state = cursor.backfilled ? .running : .backfilling
        // Records the CRDT held before the first attach must reach the
        // table: sweep after the backfill (not needed when the backfill
        // brings every record there is).
        let held = try await node.records(collection: mapping.collection, after: nil, limit: 1)
        sweepsAfterBackfill = !cursor.backfilled && !held.isEmpty
        // Records that changed while this adapter could not write them (the
        // node stopped or crashed between a commit and the row write: the
        // list of records to write lives in memory) reach the table by a
        // sweep at every start, in the background between other work.
        if cursor.backfilled && !held.isEmpty { sweep = (nil, 0) }
    }

    var identity: RecordIdentity { RecordIdentity(mapping: mapping, schema: schema) }
    var planner: CapturePlanner { CapturePlanner(identity: identity, node: node.node) }

    // MARK: One step at a time

    /// Runs `body` when no other step runs.
    func exclusively<T>(_ body: () async throws -> T) async rethrows -> T {
        if stepping {
            await withCheckedContinuation { stepWaiters.append($0) }
        }
        stepping = true
        defer {
            if stepWaiters.isEmpty { stepping = false } else { stepWaiters.removeFirst().resume() }
        }
        return try await body()
    }

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
                let worked = try await exclusively {
                    if !cursor.backfilled { return try await backfillStep() }
                    let captured = try await captureStep()
                    return try await outboundStep() || captured
                }
                backoff = 100
                status.idle = !worked && cursor.backfilled && sweep == nil && inbox.withLock({ $0.order.isEmpty })
                if !worked { await idle() }
            } catch {
                status.errors += 1
                status.lastError = "\(error)"
                status.idle = false
                if await schemaProblem() != nil { continue }
                if case AdapterError.captureMissing = error, (try? await reattach()) != nil { continue }
                try? await Task.sleep(for: .milliseconds(backoff))
                backoff = min(backoff * 2, 5_000)
            }
        }
    }

    /// Waits until the outbox may hold something, records are noted, or a
    /// retry falls due (at most 200 ms).
    private func idle() async {
        let now = clock()
        if let due = retries.nextDue, due <= now { return }
        if !inbox.withLock({ $0.order.isEmpty }) { return }
        let timeout = Int(min(max((retries.nextDue ?? now + 200) - now, 1), 200))
        let driver = self.driver, doorbell = self.doorbell
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await driver.waitForChanges(timeoutMillis: timeout) }
            group.addTask { await doorbell.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Installs the capture again after it went missing, then maps every
    /// row again as the first attach did (the key map may be gone with it;
    /// rows keep the earliest edit time, so the CRDT's values win), then
    /// sweeps: rows this adapter wrote may have been lost too. Edits made
    /// while nothing captured them cannot be read back; the sweep's
    /// repairs show where the table differed. The cursor starts over: a new
    /// outbox may number its changes from the start again (SQLite's does),
    /// and a change of an outbox that survived is read again and found
    /// unchanged.
    private func reattach() async throws {
        try await exclusively {
            try await driver.attach(columns: mapping.columns)
            try await commitCursor {
                $0.through = 0
                $0.backfilled = false
            }
            acknowledgedThrough = 0
            status.state = .backfilling
            status.backfilledRows = 0
            backfillStarted = nil
            sweepsAfterBackfill = true
        }
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
        status.sweptRecords = nil
        sweep = nil
        for waiter in sweepWaiters { waiter.resume(returning: repairs) }
        sweepWaiters.removeAll()
    }
}
