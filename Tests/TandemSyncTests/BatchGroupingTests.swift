import TandemCore
import TandemTestSupport
import Testing

/// `SyncMessage.groupBatches`: batches read from the log go out in messages
/// that respect both the count and the byte bound, in order, none lost.
@Suite(.ownThread) struct BatchGroupingTests {
    let origin = TestNetwork.node(1)

    func batch(_ sequence: UInt64, payloadBytes: Int) -> DeltaBatch {
        DeltaBatch(
            origin: origin, sequence: sequence, collection: "customers",
            payload: Array(repeating: 0xAB, count: payloadBytes), signature: Array(repeating: 0x5A, count: 64))
    }

    @Test("every group's encoded message fits the byte and count bounds; order and content are kept")
    func bounds() {
        // Sizes and bounds vary by round, the same in every run.
        for round in 0..<200 {
            let count = round % 81
            let batches = (0..<count).map { batch(UInt64($0 + 1), payloadBytes: ($0 * 104_729 + round * 7_919) % 5_001) }
            let maxCount = 1 + round % 16
            let maxBytes = 6_000 + (round * 3_571) % 34_001
            let groups = SyncMessage.groupBatches(batches, maxCount: maxCount, maxBytes: maxBytes)
            #expect(groups.flatMap { Array($0) } == batches, "round \(round)")
            for group in groups {
                #expect(!group.isEmpty)
                #expect(group.count <= maxCount)
                #expect(SyncMessage.batches(Array(group)).encoded().count <= maxBytes, "round \(round)")
            }
        }
    }

    @Test("a batch larger than the byte bound travels alone")
    func oversizedAlone() {
        let batches = [batch(1, payloadBytes: 10), batch(2, payloadBytes: 50_000), batch(3, payloadBytes: 10)]
        let groups = SyncMessage.groupBatches(batches, maxCount: 64, maxBytes: 10_000)
        #expect(groups.map(\.count) == [1, 1, 1])
    }
}
