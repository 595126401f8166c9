import Foundation
import TandemTestSupport
import Testing
import TandemCore
import TandemStore
import tandem_crash_writer

/// A writer killed while it creates its store leaves a directory that opens
/// as a Tandem store (empty, or initialised), never one refused as foreign
/// or corrupt.
@Suite(.ownThread) struct CreationCrashTests {
    @Test func aStoreKilledWhileBeingCreatedStillOpens() async throws {
        let executable = try ExecutableLocator.locate("tandem-crash-writer", override: "TANDEM_CRASH_WRITER")
        let logs = try TemporaryDirectory("store-tests")
        defer { logs.remove() }
        let node = CrashWriterProtocol.localNode(7)
        var random = SeededRandom(seed: 0xC0FFEE)
        for attempt in 1...12 {
            let data = try TemporaryDirectory("store-tests")
            defer { data.remove() }
            let run = try await CrashWriterRun.killed(
                executable: executable, directory: data.path, seed: UInt64(attempt), nodeByte: 7,
                at: .opening(withinMilliseconds: random.below(15)), logDirectory: logs, round: attempt)
            let store = try SQLiteStore(directory: data.path, node: node, now: 0)
            defer { try? store.close() }
            let summary = try store.summary()
            for sequence in run.local { #expect(summary.batches.contains(origin: node, sequence: sequence)) }
            let batch = try store.commitChange(CrashWriterProtocol.collection, records: ["item-1"], clock: stamp(UInt64(attempt))) { working in
                try working.set("name", to: .int(Int64(attempt)), in: "item-1", by: node, at: stamp(UInt64(attempt)))
            }
            #expect(batch.sequence == summary.batches.nextSequence(for: node))
        }
    }
}
