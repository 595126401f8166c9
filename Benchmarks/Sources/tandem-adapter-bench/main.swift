// Adapters end to end (docs/PERFORMANCE.md, "Adapters"):
//
//   tandem-adapter-bench latency DIR SECONDS KIND KIND   row-to-row latency at 100 changes/s, each direction
//   tandem-adapter-bench backfill DIR ROWS KIND           first attach of a ROWS-row table, then the other side filled
//
// KIND is `sqlite` (a file under DIR, WAL mode) or `postgres` (database `crm`
// or `helpdesk` of the server named by TANDEM_BENCH_POSTGRES; see
// Scripts/with-postgres.sh). Two SyncNodes over loopback TCP in this process
// (SQLite stores, Ed25519 signatures, encrypted sessions, durable commits),
// each beside its table, which this process edits through its own
// connection as another program would. The target table records when each
// change landed with a trigger of its own (`arrivals`), so latency runs
// from the source commit to the target commit by one clock.
import BenchmarkSupport
import Foundation
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemCrypto
import TandemNode
import TandemSync

let arguments = CommandLine.arguments
guard arguments.count >= 5, let amount = Int(arguments[3]) else {
    print("usage: tandem-adapter-bench latency DIR SECONDS KIND KIND | backfill DIR ROWS KIND   (KIND: sqlite or postgres)")
    exit(2)
}
let directory = arguments[2]
try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

func keys(_ byte: UInt8) throws -> NodeKeyPair { try NodeKeyPair(seed: Array(repeating: byte, count: NodeKeyPair.seedByteCount)) }
let crmKeys = try keys(0x11), helpdeskKeys = try keys(0x22)
let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
// Rows per backfill commit: the runner's default unless TANDEM_BENCH_BACKFILL_CHUNK says otherwise.
let backfillChunk = ProcessInfo.processInfo.environment["TANDEM_BENCH_BACKFILL_CHUNK"].flatMap(Int.init)
    ?? AdapterRunner.defaultBackfillChunk

func table(_ kind: String, _ name: String) async throws -> any BenchTable {
    switch kind {
    case "sqlite": return try SQLiteBenchTable(path: "\(directory)/\(name).db")
    case "postgres":
        guard let base = ProcessInfo.processInfo.environment["TANDEM_BENCH_POSTGRES"] else {
            print("postgres needs TANDEM_BENCH_POSTGRES (run through Scripts/with-postgres.sh)")
            exit(2)
        }
        return try await PostgresBenchTable(base: base, database: name)
    default:
        print("unknown kind \(kind)")
        exit(2)
    }
}

func mapping(_ name: String) -> AdapterMapping {
    AdapterMapping(
        name: name, collection: "items", table: "items", keyColumn: "id",
        fields: [FieldBinding(field: "email", column: "email"), FieldBinding(field: "name", column: "name"),
                 FieldBinding(field: "stamp", column: "stamp")],
        match: MatchRule(field: "email"))
}

final class Side: Sendable {
    let node: SyncNode
    let runner: AdapterRunner

    init(_ name: String, keys: NodeKeyPair, table: any BenchTable, peers: [PeerAddress]) throws {
        var configuration = SyncNodeConfiguration(
            identity: keys, port: 0, peers: peers, members: [crmKeys.nodeID, helpdeskKeys.nodeID])
        let relay = AdapterEventRelay()
        configuration.observer = { relay.forward($0) }
        node = try SyncNode.open(configuration: configuration, directory: "\(directory)/\(name)-store")
        runner = AdapterRunner(
            mapping: mapping(name), node: node, driver: try table.driver(), clock: wallClock, backfillChunk: backfillChunk)
        relay.add(runner)
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

func pair(_ crmTable: any BenchTable, _ helpdeskTable: any BenchTable) async throws -> (Side, Side) {
    let crm = try Side("crm", keys: crmKeys, table: crmTable, peers: [])
    try await crm.start()
    guard let port = crm.node.boundPort else { throw CocoaError(.fileReadUnknown) }
    let helpdesk = try Side(
        "helpdesk", keys: helpdeskKeys, table: helpdeskTable,
        peers: [PeerAddress(node: crmKeys.nodeID, host: "127.0.0.1", port: port)])
    try await helpdesk.start()
    return (crm, helpdesk)
}

func waitFor(
    _ what: String, within seconds: Double, status runners: [AdapterRunner] = [], _ condition: () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    print("timed out waiting for \(what)")
    for runner in runners { print("\(runner.mapping.name): \(await runner.currentStatus())") }
    exit(1)
}

/// Prints a figure as soon as it is measured, also when the output is a file.
func report(_ line: String) {
    print(line)
    fflush(nil)
}

func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

switch arguments[1] {
case "latency" where arguments.count == 6:
    let crmTable = try await table(arguments[4], "crm"), helpdeskTable = try await table(arguments[5], "helpdesk")
    let rows = 100
    try await crmTable.create(rows: rows)
    try await helpdeskTable.create(rows: 0)
    let (crm, helpdesk) = try await pair(crmTable, helpdeskTable)
    try await waitFor("the seed on the helpdesk", within: 120, status: [crm.runner, helpdesk.runner]) {
        try await helpdeskTable.count() == rows
    }
    try await waitFor("both adapters idle", within: 120) {
        let crmIdle = await crm.runner.currentStatus().idle
        let helpdeskIdle = await helpdesk.runner.currentStatus().idle
        return crmIdle && helpdeskIdle
    }
    for (source, target, base) in [(crmTable, helpdeskTable, Int64(0)), (helpdeskTable, crmTable, Int64(10_000_000))] {
        try await target.clearArrivals()
        // The helpdesk's ids are its own; its rows are the same 100 customers.
        let ids = Array(1...rows)
        var committed: [Int64: Int64] = [:]
        let count = amount * 100
        let start = ContinuousClock.now
        for index in 0..<count {
            try await Task.sleep(until: start + .milliseconds(index * 10))
            let stamp = base + Int64(index + 1)
            try await source.update(id: ids[index % ids.count], stamp: stamp)
            committed[stamp] = wallClock()
        }
        try await waitFor("every change on the other side", within: 120) {
            try await target.arrivals().filter { committed[$0.stamp] != nil }.count >= count
        }
        let latencies = try await target.arrivals().compactMap { arrival in
            committed[arrival.stamp].map { Double(arrival.at - $0) }
        }.sorted()
        report(String(format: "latency %@ -> %@: %d changes at 100/s: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms",
                     source.label, target.label, latencies.count, quantile(latencies, 0.5), quantile(latencies, 0.95),
                     quantile(latencies, 0.99), latencies.last ?? 0))
    }
    try await helpdesk.stop()
    try await crm.stop()
case "backfill":
    // The import first, alone (its node's process is what a first attach
    // costs); then the other node starts and fills its empty table.
    let crmTable = try await table(arguments[4], "crm"), helpdeskTable = try await table(arguments[4], "helpdesk")
    try await crmTable.create(rows: amount)
    try await helpdeskTable.create(rows: 0)
    let started = ContinuousClock.now
    let crm = try Side("crm", keys: crmKeys, table: crmTable, peers: [])
    try await crm.start()
    try await waitFor("the crm backfill", within: 3_600) {
        let status = await crm.runner.currentStatus()
        return status.state == .running && status.backfilledRows >= amount
    }
    let imported = ContinuousClock.now - started
    report(String(format: "backfill (%@): %d rows imported in %.2f s (%.0f rows/s); peak RSS %.0f MiB",
                 crmTable.label, amount, imported.seconds, Double(amount) / imported.seconds, peakResidentMiB()))
    guard let port = crm.node.boundPort else { throw CocoaError(.fileReadUnknown) }
    let second = ContinuousClock.now
    let helpdesk = try Side(
        "helpdesk", keys: helpdeskKeys, table: helpdeskTable,
        peers: [PeerAddress(node: crmKeys.nodeID, host: "127.0.0.1", port: port)])
    try await helpdesk.start()
    try await waitFor("every row on the helpdesk", within: 3_600) { try await helpdeskTable.count() == amount }
    let filled = ContinuousClock.now - second
    report(String(format: "first sync (%@): the other node filled its empty table with %d rows in %.2f s; peak RSS of the process (both nodes) %.0f MiB",
                 helpdeskTable.label, amount, filled.seconds, peakResidentMiB()))
    try await helpdesk.stop()
    try await crm.stop()
default:
    print("unknown mode or arguments: \(arguments.dropFirst().joined(separator: " "))")
    exit(2)
}
