import TandemCore
import TandemTestSupport
import Testing

/// Reconciliation chunks stay within a byte bound, so each fits in one
/// message, and cover their leaf range completely.
@Suite(.ownThread) struct RecordChunkingTests {
    let writer = TestNetwork.node(1)

    func collection(records count: Int, valueBytes: Int) throws -> RecordCollection {
        var state = RecordCollection()
        for index in 0..<count {
            let value = String(repeating: Character(UnicodeScalar(UInt8(97 + index % 26))), count: valueBytes)
            _ = try state.update(
                "record-\(index)", fields: [("notes", .string(value)), ("name", .string("n\(index)"))],
                by: writer, at: HLCTimestamp(rawValue: UInt64(index + 1) << 16))
            _ = try state.add(.int(Int64(index)), toSet: "tags", in: "record-\(index)", by: writer)
        }
        return state
    }

    @Test("the estimate is an upper bound on a record's encoded bytes")
    func estimateIsAnUpperBound() throws {
        let state = try collection(records: 50, valueBytes: 300)
        for (id, store) in state.records {
            let alone = RecordCollection(trusted: [id: store], context: state.context).encoded().count
            let contextOnly = RecordCollection(trusted: [:], context: state.context).encoded().count
            #expect(DigestReconciliation.estimatedBytes(id: id, store) >= alone - contextOnly, "\(id)")
        }
    }

    @Test("chunks respect the byte bound and cover the range, leaves whole")
    func byteBound() throws {
        let state = try collection(records: 400, valueBytes: 2_000)
        let maxBytes = 64 * 1024
        let chunks = DigestReconciliation.chunks(of: state.records, covering: 0...65_535, maxRecords: 256, maxBytes: maxBytes)
        #expect(chunks.count > 10)
        #expect(chunks.first?.leaves.lowerBound == 0)
        #expect(chunks.last?.leaves.upperBound == 65_535)
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            #expect(previous.leaves.upperBound + 1 == next.leaves.lowerBound)
        }
        var seen = 0
        for chunk in chunks {
            seen += chunk.records.count
            for id in chunk.records.keys { #expect(chunk.leaves.contains(DigestReconciliation.leaf(of: id))) }
            let encoded = RecordCollection(trusted: chunk.records, context: state.context).encoded().count
            let contextOnly = RecordCollection(trusted: [:], context: state.context).encoded().count
            #expect(encoded - contextOnly <= maxBytes)
        }
        #expect(seen == 400)
    }
}
