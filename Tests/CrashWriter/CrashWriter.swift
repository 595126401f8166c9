import Foundation
import TandemCore
import TandemPostgresStore
import TandemStore

/// `tandem-crash-writer <data-directory | postgres://…> <seed> <node-seed-byte>`
///
/// Opens the SQLite store in the data directory (or the PostgreSQL store at
/// the URL, `PostgresStoreLocation`), resumes from what it
/// holds, and commits changes forever: local batches, and every few
/// iterations a batch of a fake remote origin. Each batch is announced on
/// standard output (see `CrashWriterProtocol`) only after its commit
/// returned. The crash test kills it with SIGKILL at random points and
/// checks that the store kept every announced batch and nothing torn.
@main
struct CrashWriter {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count == 4, let seed = UInt64(arguments[2]), let byte = UInt8(arguments[3]) else {
            fail("usage: tandem-crash-writer <data-directory | postgres://…> <seed> <node-seed-byte>")
        }
        do {
            var writer = try Writer(directory: arguments[1], seed: seed, nodeByte: byte)
            try writer.run()
        } catch {
            fail("\(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("tandem-crash-writer: \(message)\n".utf8))
        exit(1)
    }
}

/// The write loop.
struct Writer {
    enum Failure: Error {
        case remoteBatchAlreadyHeld(UInt64)
    }

    let store: any ReplicaStore
    let local: NodeID
    let remote: NodeID
    var random: SeededRandom
    var localClock: HybridLogicalClock
    var remoteClock: HybridLogicalClock
    /// The fake origin's replica: the store's state at start, then its own
    /// changes only, so its writes are concurrent with the local ones.
    var remoteReplica: RecordCollection
    var remoteSequence: UInt64

    init(directory: String, seed: UInt64, nodeByte: UInt8) throws {
        local = CrashWriterProtocol.localNode(nodeByte)
        remote = CrashWriterProtocol.remoteNode(nodeByte)
        Self.announce("open")
        if directory.hasPrefix("postgres://") {
            store = try PostgresStore(
                url: directory, environment: ProcessInfo.processInfo.environment, node: local, now: Self.wallMillis())
        } else {
            store = try SQLiteStore(directory: directory, node: local, now: Self.wallMillis())
        }
        let summary = try store.summary()
        localClock = HybridLogicalClock(latest: summary.clock)
        remoteClock = HybridLogicalClock(latest: summary.clock)
        remoteSequence = summary.batches.nextSequence(for: remote)
        // A different stream on each restart, still reproducible.
        random = SeededRandom(seed: seed ^ (summary.batches.nextSequence(for: local) &* 0x9E37_79B9_7F4A_7C15))
        remoteReplica = try Self.wholeState(of: store)
    }

    mutating func run() throws -> Never {
        while true {
            try commitLocalChange()
            if random.below(3) == 0 { try commitRemoteChange() }
        }
    }

    mutating func commitLocalChange() throws {
        let collection = CrashWriterProtocol.collection
        let id = randomRecordID()
        var working = try store.workingSet(collection, records: [id])
        let now = Self.wallMillis()
        let timestamp = localClock.tick(now: now)
        let delta = try ChangeMaker.change(&working, record: id, by: local, at: timestamp, random: &random)
        let sequence = try store.summary().batches.nextSequence(for: local)
        let change = LocalChange(
            collection: collection, delta: delta, clock: localClock.latest,
            cursor: AdapterCursorUpdate(
                adapter: CrashWriterProtocol.adapter, cursor: CrashWriterProtocol.cursor(forSequence: sequence)))
        let batch = try store.commitLocal(change, sign: { _ in CrashWriterProtocol.signature }, now: now)
        Self.announce("ack \(batch.sequence)")
    }

    mutating func commitRemoteChange() throws {
        let id = randomRecordID()
        let now = Self.wallMillis()
        let timestamp = remoteClock.tick(now: now)
        let delta = try ChangeMaker.change(&remoteReplica, record: id, by: remote, at: timestamp, random: &random)
        let batch = DeltaBatch(
            origin: remote, sequence: remoteSequence, collection: CrashWriterProtocol.collection,
            payload: delta.encoded(), signature: CrashWriterProtocol.signature)
        let outcome = try store.commitRemote(batch, delta: delta, clock: timestamp, audit: [], now: now)
        guard case .applied = outcome else { throw Failure.remoteBatchAlreadyHeld(remoteSequence) }
        Self.announce("ack-remote \(remoteSequence)")
        remoteSequence += 1
    }

    mutating func randomRecordID() -> String { "item-\(random.below(CrashWriterProtocol.recordCount))" }

    /// Every record and the context of the collection.
    static func wholeState(of store: any ReplicaStore) throws -> RecordCollection {
        let collection = CrashWriterProtocol.collection
        var records: [String: RecordStore] = [:]
        var after: String?
        while true {
            let page = try store.records(collection, after: after, limit: 100)
            guard let last = page.last else { break }
            for (id, record) in page { records[id] = record }
            after = last.id
        }
        return RecordCollection(trusted: records, context: try store.workingSet(collection, records: []).context)
    }

    /// One `write(2)` per line, so a line is never half written.
    static func announce(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func wallMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}
