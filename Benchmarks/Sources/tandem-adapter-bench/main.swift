// Adapters end to end (docs/PERFORMANCE.md, "Adapters"):
//
//   tandem-adapter-bench latency DIR SECONDS   row-to-row latency at 100 changes/s, both directions
//   tandem-adapter-bench backfill DIR ROWS     first attach of a ROWS-row table, then the other side filled
//
// Two SyncNodes over loopback TCP in this process (SQLite stores, Ed25519,
// encrypted sessions), each beside a SQLite database in WAL mode, edited by
// this process through its own connection as another program would. The
// target database records when each change landed with a trigger of its
// own (`arrivals`), so latency is measured by the databases' clock from the
// source commit to the target commit.
import BenchmarkSupport
import Foundation
import GRDB
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemCrypto
import TandemNode

let arguments = CommandLine.arguments
guard arguments.count == 4, let amount = Int(arguments[3]) else {
    print("usage: tandem-adapter-bench latency DIR SECONDS | backfill DIR ROWS")
    exit(2)
}
let directory = arguments[2]
try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

func keys(_ byte: UInt8) throws -> NodeKeyPair { try NodeKeyPair(seed: Array(repeating: byte, count: NodeKeyPair.seedByteCount)) }
let crmKeys = try keys(0x11), helpdeskKeys = try keys(0x22)
let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

func mapping(_ name: String) -> AdapterMapping {
    AdapterMapping(
        name: name, collection: "items", table: "items", keyColumn: "id",
        fields: [FieldBinding(field: "email", column: "email"), FieldBinding(field: "name", column: "name"),
                 FieldBinding(field: "stamp", column: "stamp")],
        match: MatchRule(field: "email"))
}

func database(_ name: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    let queue = try DatabaseQueue(path: "\(directory)/\(name).db", configuration: configuration)
    try queue.writeWithoutTransaction { db in
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode=WAL")
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, email TEXT, name TEXT, stamp INTEGER);
            CREATE TABLE IF NOT EXISTS arrivals (id INTEGER, stamp INTEGER, at_ms INTEGER);
            CREATE TRIGGER IF NOT EXISTS arrived AFTER UPDATE OF stamp ON items BEGIN
                INSERT INTO arrivals VALUES (NEW.id, NEW.stamp, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            END;
            """)
    }
    return queue
}

final class Side: Sendable {
    let node: SyncNode
    let runner: AdapterRunner

    init(_ name: String, keys: NodeKeyPair, peers: [PeerAddress]) throws {
        var configuration = SyncNodeConfiguration(
            identity: keys, port: 0, peers: peers, members: [crmKeys.nodeID, helpdeskKeys.nodeID])
        let relay = Relay()
        configuration.observer = { relay.forward($0) }
        node = try SyncNode.open(configuration: configuration, directory: "\(directory)/\(name)-store")
        runner = AdapterRunner(
            mapping: mapping(name), node: node,
            driver: try SQLiteDriver(path: "\(directory)/\(name).db", table: "items", keyColumn: "id"), clock: wallClock)
        relay.runner.withLock { $0 = runner }
    }

    func start() async throws {
        try await node.start()
        try await runner.start()
    }

    func stop() async throws {
        await runner.stop()
        try await node.shutdown()
    }
}

import Synchronization
import TandemSync

final class Relay: Sendable {
    let runner = Mutex<AdapterRunner?>(nil)
    func forward(_ event: SyncEvent) { runner.withLock { $0 }?.observe(event) }
}

func pair() async throws -> (Side, Side) {
    let crm = try Side("crm", keys: crmKeys, peers: [])
    try await crm.start()
    guard let port = crm.node.boundPort else { throw CocoaError(.fileReadUnknown) }
    let helpdesk = try Side(
        "helpdesk", keys: helpdeskKeys, peers: [PeerAddress(node: crmKeys.nodeID, host: "127.0.0.1", port: port)])
    try await helpdesk.start()
    return (crm, helpdesk)
}

func waitFor(_ what: String, within seconds: Double, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    print("timed out waiting for \(what)")
    exit(1)
}

func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

switch arguments[1] {
case "latency":
    let crmDB = try database("crm"), helpdeskDB = try database("helpdesk")
    let rows = 100
    try crmDB.write { db in
        for id in 1...rows { try db.execute(sql: "INSERT INTO items (id, email, name, stamp) VALUES (?, ?, 'n', 0)", arguments: [id, "u\(id)@example.com"]) }
    }
    let (crm, helpdesk) = try await pair()
    try await waitFor("the seed on the helpdesk", within: 60) {
        try await helpdeskDB.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM items") } == rows
    }
    for (label, source, target) in [("crm -> helpdesk", crmDB, helpdeskDB), ("helpdesk -> crm", helpdeskDB, crmDB)] {
        let ids = try source.read { try Int.fetchAll($0, sql: "SELECT id FROM items ORDER BY id") }
        let targetIDs = try target.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT email, id FROM items").map { ($0[0] as String, $0[1] as Int) })
        }
        let sourceEmails = try source.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, email FROM items").map { ($0[0] as Int, $0[1] as String) })
        }
        try target.write { try $0.execute(sql: "DELETE FROM arrivals") }
        var committed: [Int64: Int64] = [:]  // stamp -> commit time (ms)
        let count = amount * 100
        let start = ContinuousClock.now
        for index in 0..<count {
            try await Task.sleep(until: start + .milliseconds(index * 10))
            let stamp = Int64(index + 1) + (label.hasPrefix("crm") ? 0 : 10_000_000)
            let id = ids[index % ids.count]
            try source.write { try $0.execute(sql: "UPDATE items SET stamp = ? WHERE id = ?", arguments: [stamp, id]) }
            committed[stamp] = wallClock()
        }
        try await waitFor("every change on the other side", within: 60) {
            try target.read { try Int.fetchOne($0, sql: "SELECT count(DISTINCT stamp) FROM arrivals") } ?? 0 >= count
        }
        let arrivals = try target.read { db in
            try Row.fetchAll(db, sql: "SELECT stamp, min(at_ms) FROM arrivals GROUP BY stamp").map { ($0[0] as Int64, $0[1] as Int64) }
        }
        _ = targetIDs
        _ = sourceEmails
        let latencies = arrivals.compactMap { stamp, at in committed[stamp].map { Double(at - $0) } }.sorted()
        print(String(format: "latency %@: %d changes at 100/s: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms",
                     label, latencies.count, quantile(latencies, 0.5), quantile(latencies, 0.95), quantile(latencies, 0.99),
                     latencies.last ?? 0))
    }
    try await helpdesk.stop()
    try await crm.stop()
case "backfill":
    let crmDB = try database("crm")
    _ = try database("helpdesk")
    try crmDB.write { db in
        try db.execute(sql: """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO items (id, email, name, stamp) SELECT i, 'user' || i || '@example.com', 'Name ' || i, i FROM n
            """, arguments: [amount])
    }
    let started = ContinuousClock.now
    let (crm, helpdesk) = try await pair()
    try await waitFor("the crm backfill", within: 3_600) {
        let status = await crm.runner.currentStatus()
        return status.state == .running && status.backfilledRows >= amount
    }
    let imported = ContinuousClock.now - started
    print(String(format: "backfill: %d rows imported in %.2f s (%.0f rows/s), peak RSS so far %.0f MiB",
                 amount, imported.seconds, Double(amount) / imported.seconds, peakResidentMiB()))
    let helpdeskDB = try database("helpdesk")
    try await waitFor("every row on the helpdesk", within: 3_600) {
        try await helpdeskDB.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM items") } == amount
    }
    let total = ContinuousClock.now - started
    print(String(format: "first sync: %d rows in the other table after %.2f s; peak RSS (both nodes) %.0f MiB",
                 amount, total.seconds, peakResidentMiB()))
    try await helpdesk.stop()
    try await crm.stop()
default:
    print("unknown mode \(arguments[1])")
    exit(2)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
