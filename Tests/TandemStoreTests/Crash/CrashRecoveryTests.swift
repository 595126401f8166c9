import Foundation
import TandemTestSupport
import Testing
import TandemCore
import TandemPostgresStore
import TandemStore
import tandem_crash_writer

/// The crash test: a writer process commits under load and is killed with
/// SIGKILL at random points, many times, on the same data directory. After
/// every kill the store must hold every batch the writer announced (it
/// announces only after `commit…` returned), nothing torn (each batch once,
/// sequences contiguous, the state exactly the replay of the delta log, the
/// cursor and audit events committed with their batches), and it must go
/// on accepting commits.
@Suite(.ownThread) struct CrashRecoveryTests {
    static let rounds = 25
    static let seed: UInt64 = 0x7A4D_2025
    static let nodeByte: UInt8 = 0x2A
    static let collection = CrashWriterProtocol.collection
    static let local = CrashWriterProtocol.localNode(nodeByte)
    static let remote = CrashWriterProtocol.remoteNode(nodeByte)
    static let recordIDs = (0..<CrashWriterProtocol.recordCount).map { "item-\($0)" }

    /// The durable backends (the in-memory store has its own crash model,
    /// InMemoryCrashTests): SQLite in a directory, PostgreSQL in a schema of
    /// the shared server.
    @Test(arguments: [StoreBackend.sqlite, .postgres])
    func aKilledWriterLosesNoAnnouncedCommitAndLeavesNothingTorn(backend: StoreBackend) async throws {
        let executable = try ExecutableLocator.locate("tandem-crash-writer", override: "TANDEM_CRASH_WRITER")
        let data = try TemporaryDirectory("store-tests")
        defer { data.remove() }
        var schema: SharedPostgres.Schema?
        if backend == .postgres { schema = try await SharedPostgres.freshSchema() }
        defer { if let schema { SharedPostgres.drop(schema) } }
        let location = schema?.url ?? data.path
        let logs = try TemporaryDirectory("store-tests")
        defer { logs.remove() }
        var random = SeededRandom(seed: Self.seed)
        var announcedLocal = Set<UInt64>()
        var announcedRemote = Set<UInt64>()

        for round in 1...Self.rounds {
            // The first kill lands while the store is being created; then
            // after 1 to 40 commits, or now and then while reopening.
            let point: CrashWriterRun.KillPoint =
                round == 1 || random.oneIn(8)
                ? .opening(withinMilliseconds: random.below(15)) : .commits(1 + random.below(40))
            let run = try await CrashWriterRun.killed(
                executable: executable, directory: location, seed: random.next(), nodeByte: Self.nodeByte,
                at: point, logDirectory: logs, round: round)
            announcedLocal.formUnion(run.local)
            announcedRemote.formUnion(run.remote)
            try await onOwnThread { try Self.check(location, announcedLocal: announcedLocal, announcedRemote: announcedRemote, round: round) }
        }
        #expect(announcedLocal.count >= Self.rounds / 2)
        #expect(!announcedRemote.isEmpty)
    }

    /// Reopens the store after a kill and checks it; then commits one local
    /// and one remote batch, to show it still works.
    static func check(_ directory: String, announcedLocal: Set<UInt64>, announcedRemote: Set<UInt64>, round: Int) throws {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let store = try openStore(at: directory, node: local, now: now)
        defer { store.closeQuietly() }
        let summary = try store.summary()

        // Every announced batch is held.
        let lostLocal = announcedLocal.filter { !summary.batches.contains(origin: local, sequence: $0) }
        let lostRemote = announcedRemote.filter { !summary.batches.contains(origin: remote, sequence: $0) }
        #expect(lostLocal.isEmpty && lostRemote.isEmpty, "round \(round): lost local \(lostLocal.sorted()), remote \(lostRemote.sorted())")

        // The log holds each batch once, in order, contiguous per origin,
        // and exactly the batches the vector says are held.
        let log = try store.log()
        let ids = log.map(\.id)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "round \(round): log not in order or repeated")
        #expect(log.allSatisfy { $0.origin == local || $0.origin == remote }, "round \(round): unknown origin")
        for origin in [local, remote] {
            let sequences = log.filter { $0.origin == origin }.map(\.sequence)
            #expect(sequences == Array(0..<UInt64(sequences.count)).map { $0 + 1 }, "round \(round): gaps for \(origin)")
        }
        var logged = BatchVector()
        for batch in log { logged.insert(origin: batch.origin, sequence: batch.sequence) }
        #expect(summary.batches == logged, "round \(round): held vector and log disagree")
        #expect(summary.compacted == BatchVector())

        // The state is the replay of the log.
        var replay = RecordCollection()
        var latestWrite = HLCTimestamp.zero
        for batch in log {
            let delta = try batch.delta()
            replay.join(delta)
            for record in delta.records.values {
                for register in record.fields.registers {
                    for entry in register.entries { latestWrite = max(latestWrite, entry.timestamp) }
                }
            }
        }
        try expectState(of: store, equals: [collection: replay], probing: recordIDs)
        #expect(summary.clock >= latestWrite, "round \(round): clock \(summary.clock) behind a committed write \(latestWrite)")

        // Cursor and audit events committed with their batches.
        let localCount = UInt64(log.filter { $0.origin == local }.count)
        let expectedCursor = localCount == 0 ? nil : CrashWriterProtocol.cursor(forSequence: localCount)
        #expect(try store.adapterCursor(CrashWriterProtocol.adapter) == expectedCursor, "round \(round): cursor")
        let audit = try store.allAudit().map(\.event)
        #expect(audit.filter { $0.kind == .localCommit }.count == Int(localCount), "round \(round): local-commit events")
        #expect(
            audit.filter { $0.kind == .remoteApply }.count == log.count - Int(localCount),
            "round \(round): remote-apply events")

        // It still accepts commits, local and remote.
        var clock = HybridLogicalClock(latest: summary.clock)
        let id = "item-\(round % CrashWriterProtocol.recordCount)"
        let localStamp = clock.tick(now: now)
        let next = summary.batches.nextSequence(for: local)
        let batch = try store.commitChange(
            collection, records: [id], clock: localStamp, now: now,
            cursor: AdapterCursorUpdate(adapter: CrashWriterProtocol.adapter, cursor: CrashWriterProtocol.cursor(forSequence: next))
        ) { working in
            try working.set("checked", to: .int(Int64(round)), in: id, by: local, at: localStamp)
        }
        #expect(batch.sequence == next)
        var remoteView = try store.workingSet(collection, records: [id])
        let remoteStamp = clock.tick(now: now)
        let remoteDelta = try remoteView.set("checked-remote", to: .int(Int64(round)), in: id, by: remote, at: remoteStamp)
        let outcome = try store.commitRemote(
            DeltaBatch(
                origin: remote, sequence: summary.batches.nextSequence(for: remote), collection: collection,
                payload: remoteDelta.encoded(), signature: CrashWriterProtocol.signature),
            delta: remoteDelta, clock: remoteStamp, audit: [], now: now)
        #expect(outcome != .duplicate)
        #expect(try store.record(collection, id)?.fields["checked"]?.value == .int(Int64(round)))
    }
}

/// Opens the store a crash writer wrote: the PostgreSQL store for a
/// `postgres://` URL, else the SQLite store in that directory.
func openStore(at location: String, node: NodeID, now: UInt64) throws -> any ReplicaStore & ClosableStore {
    if location.hasPrefix("postgres://") {
        return try PostgresStore(url: location, environment: [:], node: node, now: now)
    }
    return try SQLiteStore(directory: location, node: node, now: now)
}

/// A store the tests close when done, whatever its kind.
protocol ClosableStore {
    func closeQuietly()
}

extension PostgresStore: ClosableStore {
    func closeQuietly() { close() }
}

extension SQLiteStore: ClosableStore {
    func closeQuietly() { try? close() }
}
