import Foundation
import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// How `SQLiteStore` keeps a batch vector with gaps (schema v2: one row per
/// range): recording a batch costs the same whatever the gaps of its
/// origin, and files of the earlier format (v1: the ranges in one blob)
/// are carried over.
@Suite(.ownThread) struct VectorRangeTests {
    func remote(_ origin: NodeID, _ sequence: UInt64) -> RemoteBatch {
        RemoteBatch(
            batch: DeltaBatch(
                origin: origin, sequence: sequence, collection: "phantoms", payload: RecordCollection().encoded(),
                signature: FakeSigner.sign([UInt8](origin.bytes))),
            delta: RecordCollection())
    }

    func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The bytes one more of B's odd batches adds to the write-ahead log of
    /// a store already holding B's batches 1, 3, …, 2 * gaps + 1 (so
    /// `gaps` ranges above B's prefix).
    func walBytesOfOneAppend(gaps: Int) throws -> Int {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        var store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
        let odd = (0...gaps).map { remote(Nodes.b, 2 * UInt64($0) + 1) }
        #expect(try store.commitRemote(odd, clock: stamp(1), now: 1).allSatisfy { $0.report != nil })
        #expect(try store.summary().batches.rangeCount == gaps + 1)
        // Closing checkpoints the log into the file and removes it.
        try store.close()
        store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
        defer { try? store.close() }
        let wal = directory.appending(SQLiteStore.fileName) + "-wal"
        let before = fileSize(wal)
        #expect(try store.commitRemote([remote(Nodes.b, 2 * UInt64(gaps) + 5)], clock: stamp(2), now: 2).first?.report != nil)
        return fileSize(wal) - before
    }

    @Test func recordingABatchWritesAsMuchWhateverTheGapsOfItsOrigin() throws {
        let few = try walBytesOfOneAppend(gaps: 1)
        let many = try walBytesOfOneAppend(gaps: 8_000)
        #expect(few > 0)
        // One page of slack for a B-tree split; a vector rewritten whole
        // would add its 16 KB of ranges (four more pages) to every commit.
        #expect(many <= few + 4_096 + 24, "one append wrote \(many) bytes with 8,000 gaps, \(few) with 1")
    }

    @Test func aVersionOneFileHasItsVectorRangesCarriedOver() async throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        var store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
        _ = try store.commitRemote([1, 2, 5, 6, 9].map { remote(Nodes.b, $0) }, clock: stamp(1), now: 1)
        let held = try store.summary().batches
        try store.close()
        // Back to v1: the ranges above the prefix 2 (5...6 and 9) as a cloud
        // blob of (gap, span) varints, and no v2 table.
        try await SQLiteShell.run(path, """
            DROP TABLE vector_range;
            DELETE FROM grdb_migrations WHERE identifier = 'v2-vector-ranges';
            UPDATE vector SET cloud = X'01010100' WHERE owner = 'held';
            """)

        store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
        #expect(try store.summary().batches == held)
        #expect(held.held.nodes[Nodes.b] == CausalContext.NodeDots(prefix: 2, cloud: [5...6, 9...9]))
        // The next batches of B extend it as usual.
        _ = try store.commitRemote([3, 4, 7].map { remote(Nodes.b, $0) }, clock: stamp(2), now: 2)
        #expect(try store.summary().batches.held.nodes[Nodes.b] == CausalContext.NodeDots(prefix: 7, cloud: [9...9]))
        try store.close()
        #expect(try await SQLiteShell.run(path, "SELECT count(*) FROM vector WHERE length(cloud) > 0;") == "0")
        #expect(try await SQLiteShell.run(path, "SELECT count(*) FROM vector_range;") == "1")
    }

    @Test func aVersionOneFileWithAMalformedVectorIsRefusedAsCorrupt() async throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        let store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
        _ = try store.commitRemote([1, 5].map { remote(Nodes.b, $0) }, clock: stamp(1), now: 1)
        try store.close()
        try await SQLiteShell.run(path, """
            DROP TABLE vector_range;
            DELETE FROM grdb_migrations WHERE identifier = 'v2-vector-ranges';
            UPDATE vector SET cloud = X'FF' WHERE owner = 'held';
            """)
        let error = try RefusalTests.refusal(directory)
        guard case .corrupt(let named, let detail) = error else {
            Issue.record("expected corrupt, got \(error)")
            return
        }
        #expect(named == path)
        #expect(detail.contains("held"))
        // Nothing of the migration stayed.
        #expect(try await SQLiteShell.run(path, "SELECT count(*) FROM grdb_migrations WHERE identifier = 'v2-vector-ranges';") == "0")
    }
}
