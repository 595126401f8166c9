import Foundation
import Synchronization
import Testing
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemCrypto
import TandemNode
import TandemTestSupport

/// A driver that passes everything to `base` but fails every table read
/// (`snapshot`) after the first `allowedSnapshots`: a backfill stopped
/// part way, as by a crash or a lost database.
final class FailingSnapshots: AdapterDriver {
    let base: SQLiteDriver
    let allowedSnapshots: Int
    let reads = Mutex(0)

    init(_ base: SQLiteDriver, allowedSnapshots: Int) {
        self.base = base
        self.allowedSnapshots = allowedSnapshots
    }

    struct Stopped: Error {}

    func snapshot(after key: String?, limit: Int) async throws -> [ExternalRow] {
        let read = reads.withLock { count in
            count += 1
            return count
        }
        guard read <= allowedSnapshots else { throw Stopped() }
        return try await base.snapshot(after: key, limit: limit)
    }

    func describe() async throws -> TableSchema { try await base.describe() }
    func attach(columns: [String]) async throws { try await base.attach(columns: columns) }
    func detach() async throws { try await base.detach() }
    func changes(after sequence: Int64, limit: Int) async throws -> CaptureRead { try await base.changes(after: sequence, limit: limit) }
    func changes(in ranges: [ClosedRange<Int64>]) async throws -> [CapturedChange] { try await base.changes(in: ranges) }
    func acknowledge(through sequence: Int64, keeping: [ClosedRange<Int64>]) async throws {
        try await base.acknowledge(through: sequence, keeping: keeping)
    }
    func waitForChanges(timeoutMillis: Int) async { await base.waitForChanges(timeoutMillis: timeoutMillis) }
    func records(forKeys keys: [String]) async throws -> [String: String] { try await base.records(forKeys: keys) }
    func keys(forRecords records: [String]) async throws -> [String: String] { try await base.keys(forRecords: records) }
    func map(_ mappings: [String: String]) async throws { try await base.map(mappings) }
    func rows(keys: [String]) async throws -> [String: ExternalRow] { try await base.rows(keys: keys) }
    func apply(_ writes: [ExternalWrite], capturedThrough: Int64) async throws -> [WriteOutcome] {
        try await base.apply(writes, capturedThrough: capturedThrough)
    }
    func rowCount() async throws -> Int { try await base.rowCount() }
    func close() async { await base.close() }
}

@Suite struct BackfillResumeTests {
    @Test("a backfill stopped part way resumes after its last commit: every row once, none lost, none imported twice")
    func resumesAfterItsCursor() async throws {
        let directory = try TemporaryDirectory("backfill-resume")
        defer { directory.remove() }
        let database = directory.appending("crm.db")
        let rows = 1_050
        try await sqlite3(database, """
            PRAGMA journal_mode=WAL;
            \(SQLitePair.crmTable)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
            INSERT INTO customers (id, email, full_name) SELECT i, 'user' || i || '@example.com', 'User ' || i FROM n;
            """)
        let mapping = SQLitePair.crmMapping()
        let store = directory.appending("crm-store")
        func open(allowedSnapshots: Int) throws -> (SyncNode, AdapterRunner) {
            let configuration = SyncNodeConfiguration(
                identity: AdapterKeys.crm, port: 0, peers: [], members: [AdapterKeys.crm.nodeID])
            let node = try SyncNode.open(configuration: configuration, directory: store)
            let driver = FailingSnapshots(
                try SQLiteDriver(path: database, table: mapping.table, keyColumn: mapping.keyColumn), allowedSnapshots: allowedSnapshots)
            return (node, AdapterRunner(mapping: mapping, node: node, driver: driver, clock: AdapterSide.wallClock, backfillChunk: 100))
        }

        // Three chunks of 100 rows commit, then the table cannot be read.
        let (node, runner) = try open(allowedSnapshots: 3)
        try await node.start()
        try await runner.start()
        try await eventually("the backfill stuck after three chunks", within: 180) {
            let status = await runner.currentStatus()
            return status.backfilledRows == 300 && status.errors > 0
        }
        #expect(await runner.currentStatus().state == .backfilling)
        await runner.stop()
        try await node.shutdown()

        // Opened again: it continues after the 300 rows already committed.
        let (again, resumed) = try open(allowedSnapshots: .max)
        try await again.start()
        try await resumed.start()
        try await eventually("the backfill done", within: 180) { await resumed.currentStatus().state == .running }
        #expect(await resumed.currentStatus().backfilledRows == rows - 300)
        var ids: [String] = []
        var after: String?
        while true {
            let page = try await again.records(collection: mapping.collection, after: after, limit: 500)
            guard let last = page.last else { break }
            ids += page.map(\.id)
            after = last.id
        }
        #expect(ids.count == rows)
        #expect(Set(ids) == Set((1...rows).map { "email:user\($0)@example.com" }))
        // Every row is mapped to its record in the table's key map.
        let keys = try await SQLiteDriver(path: database, table: mapping.table, keyColumn: mapping.keyColumn).keys(forRecords: ids)
        #expect(Set(keys.values) == Set((1...rows).map(String.init)))
        await resumed.stop()
        try await again.shutdown()
    }
}
