import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import Testing
import TandemTestSupport

/// Local writes that reach a node together share one batch.
@Suite("Group commit")
struct GroupCommitTests {
    @Test("concurrent writes are committed together; a bad one fails alone")
    func concurrentWrites() async throws {
        let directory = try TemporaryDirectory("group")
        defer { directory.remove() }
        let node = try SyncNode.open(configuration: testConfiguration(TestKeys.alice), directory: directory.path)
        try await node.start()

        let count = 200
        let results = try await withThrowingTaskGroup(of: (Int, Result<DeltaBatch?, any Error>).self) { group in
            for index in 0..<count {
                group.addTask {
                    // Every tenth write names an empty field: invalid.
                    let field = index % 10 == 9 ? "" : "field\(index % 3)"
                    do {
                        let batch = try await node.write(
                            collection: "customers", record: "customer-\(index)", fields: [field: .int(Int64(index))])
                        return (index, .success(batch))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results: [Int: Result<DeltaBatch?, any Error>] = [:]
            for try await (index, result) in group { results[index] = result }
            return results
        }

        var sequences: Set<UInt64> = []
        for index in 0..<count {
            let result = try #require(results[index])
            let stored = try await node.record(collection: "customers", id: "customer-\(index)")
            if index % 10 == 9 {
                #expect(throws: CoreError.self) { try result.get() }
                #expect(stored == nil)
            } else {
                // The returned batch is durable and carries this write.
                let batch = try #require(try result.get())
                sequences.insert(batch.sequence)
                #expect(try batch.delta().record("customer-\(index)")?.fields == ["field\(index % 3)": .int(Int64(index))])
                #expect(try node.store.batches([batch.id]) == [batch])
                #expect(stored?.fields == ["field\(index % 3)": .int(Int64(index))])
            }
        }
        let metrics = node.metrics
        // 180 valid writes submitted at once: some share a batch.
        #expect(sequences.count < 180)
        #expect(metrics.localBatches == sequences.count)
        #expect(try node.store.summary().batches.nextSequence(for: TestKeys.alice.nodeID) == UInt64(sequences.count) + 1)
        try await node.shutdown()
        await #expect(throws: NodeError.notRunning) {
            try await node.write(collection: "customers", record: "late", fields: ["name": .string("too late")])
        }
    }
}
