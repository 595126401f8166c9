import Foundation
import Testing
import TandemCore
import TandemPostgresStore
import TandemStore
import TandemTestSupport

/// The PostgreSQL server crashing or restarting under an open store: what was
/// acknowledged survives, operations while it is down fail at once as
/// unavailable (none hangs), and the same store object carries on once the
/// server is back. Runs on a server of its own, since it restarts it.
@Suite(.ownThread) struct PostgresRestartTests {
    @Test func aServerCrashLosesNothingAcknowledgedAndTheStoreReconnects() async throws {
        // With the server's default `synchronous_commit = on`: the fixture's
        // fast default (off) would acknowledge commits a crash can lose.
        try await PostgresServer.withServer(durableCommits: true) { server in
            let url = server.url + "?schema=restarted"
            let store = try PostgresStore(
                url: url, environment: [:], node: Nodes.local,
                options: PostgresStore.Options(connectTimeoutSeconds: 5), now: 0)
            defer { store.close() }
            var acknowledged: [UInt64] = []
            for step in 1...20 as ClosedRange<UInt64> {
                let batch = try store.commitChange(records: ["r\(step % 4)"], clock: stamp(step)) {
                    try $0.set("step", to: .int(Int64(step)), in: "r\(step % 4)", by: Nodes.local, at: stamp(step))
                }
                acknowledged.append(batch.sequence)
            }

            // Down (an immediate shutdown: backends aborted, no checkpoint,
            // WAL replayed at the next start, as after a crash): every
            // operation fails at once, and says why.
            try await server.stopForRestart(crash: true)
            let started = ContinuousClock.now
            #expect {
                try store.commitChange(records: ["r9"], clock: stamp(99)) {
                    try $0.set("step", to: .int(99), in: "r9", by: Nodes.local, at: stamp(99))
                }
            } throws: { error in
                guard case StoreError.unavailable = error else { return false }
                return true
            }
            #expect(throws: StoreError.self) { try store.summary() }
            #expect(ContinuousClock.now - started < .seconds(30), "failing took as long as a hang")

            // Up again: the same store object reconnects and holds every acknowledged batch.
            try await server.startAfterStop()
            let summary = try store.summary()
            #expect(acknowledged.allSatisfy { summary.batches.contains(origin: Nodes.local, sequence: $0) })
            #expect(summary.batches.nextSequence(for: Nodes.local) == 21, "the failed commit left nothing behind")
            #expect(try store.record("people", "r0")?.fields["step"]?.value == .int(20))
            let next = try store.commitChange(records: ["r1"], clock: stamp(100)) {
                try $0.set("step", to: .int(100), in: "r1", by: Nodes.local, at: stamp(100))
            }
            #expect(next.sequence == 21)
            #expect(try store.allAudit().filter { $0.event.kind == .localCommit }.count == 21)
        }
    }

    @Test func aRestartBetweenCommitsIsInvisibleToTheNextCommit() async throws {
        try await PostgresServer.withServer { server in
            let store = try PostgresStore(url: server.url + "?schema=bounced", environment: [:], node: Nodes.local, now: 0)
            defer { store.close() }
            try store.commitChange(records: ["r1"], clock: stamp(1)) { try $0.set("n", to: .int(1), in: "r1", by: Nodes.local, at: stamp(1)) }
            try await server.restart()
            // The connection the store held is gone; the commit runs on a new one.
            let batch = try store.commitChange(records: ["r1"], clock: stamp(2)) {
                try $0.set("n", to: .int(2), in: "r1", by: Nodes.local, at: stamp(2))
            }
            #expect(batch.sequence == 2)
            #expect(try store.record("people", "r1")?.fields["n"]?.value == .int(2))
        }
    }
}
