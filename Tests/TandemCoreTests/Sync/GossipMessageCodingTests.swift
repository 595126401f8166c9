import TandemCore
import Testing

/// The wire form of the broadcast tree's and delta summaries' messages
/// (tags 8 to 10): round trips, and a clear refusal of malformed frames.
@Suite struct GossipMessageCodingTests {
    let origin = Fixture.c

    func vector(_ sequences: [UInt64]) -> BatchVector {
        var vector = BatchVector()
        for sequence in sequences { vector.insert(origin: origin, sequence: sequence) }
        return vector
    }

    @Test(arguments: [
        SyncMessage.summaryDelta(SummaryDelta(number: 3, acknowledging: 9, added: BatchVector(), neighbors: nil)),
        SyncMessage.summaryDelta(SummaryDelta(number: 0, acknowledging: 2)),
        SyncMessage.summaryDelta(SummaryDelta(number: 1, acknowledging: 0, added: BatchVector(), neighbors: [Fixture.a, Fixture.b])),
        SyncMessage.prune,
        SyncMessage.graft(wanted: BatchVector()),
    ])
    func roundTrips(_ message: SyncMessage) throws {
        #expect(try SyncMessage(decoding: message.encoded()) == message)
    }

    @Test func aDeltaWithBatchesAndAGraftRoundTrip() throws {
        let delta = SyncMessage.summaryDelta(SummaryDelta(number: 7, acknowledging: 6, added: vector([1, 2, 3, 9])))
        #expect(try SyncMessage(decoding: delta.encoded()) == delta)
        let graft = SyncMessage.graft(wanted: vector([4, 5, 11]))
        #expect(try SyncMessage(decoding: graft.encoded()) == graft)
    }

    @Test func theTagsFollowTheExistingOnes() {
        #expect(SyncMessage.summaryDelta(SummaryDelta(number: 0, acknowledging: 0)).encoded()[6] == 8)
        #expect(SyncMessage.prune.encoded()[6] == 9)
        #expect(SyncMessage.graft(wanted: BatchVector()).encoded()[6] == 10)
    }

    func decodingError(_ bytes: [UInt8]) -> DecodingError? {
        do {
            _ = try SyncMessage(decoding: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownNeighbourFlagsAreRefused() {
        var bytes = SyncMessage.summaryDelta(SummaryDelta(number: 1, acknowledging: 0)).encoded()
        bytes[bytes.count - 1] = 2
        let error = decodingError(bytes)
        #expect(error != nil)
        #expect("\(String(describing: error))".contains("unknown summary delta flags 2"))
    }

    @Test func aBareAcknowledgementCarryingBatchesOrNeighboursIsRefused() {
        let withBatches = SyncMessage.summaryDelta(SummaryDelta(number: 1, acknowledging: 0, added: vector([1]))).encoded()
        var bytes = withBatches
        bytes[7] = 0 // the number: 1 -> 0
        #expect("\(String(describing: decodingError(bytes)))".contains("bare acknowledgement"))
        var neighbours = SyncMessage.summaryDelta(SummaryDelta(number: 1, acknowledging: 0, neighbors: [Fixture.a])).encoded()
        neighbours[7] = 0
        #expect(decodingError(neighbours) != nil)
    }

    @Test func unsortedNeighboursATruncatedGraftAndTrailingBytesAreRefused() {
        var unsorted = SyncMessage.summaryDelta(SummaryDelta(number: 1, acknowledging: 0, neighbors: [Fixture.a, Fixture.b])).encoded()
        // Swap the two 32-byte ids at the end.
        let end = unsorted.count
        let a = Array(unsorted[(end - 64)..<(end - 32)])
        let b = Array(unsorted[(end - 32)..<end])
        unsorted.replaceSubrange((end - 64)..<end, with: b + a)
        #expect("\(String(describing: decodingError(unsorted)))".contains("strictly increasing"))

        let graft = SyncMessage.graft(wanted: vector([1, 2])).encoded()
        #expect(decodingError(Array(graft.dropLast(3))) != nil)
        #expect(decodingError(SyncMessage.prune.encoded() + [0]) != nil)
    }

    @Test func aTagBeyondTheKnownOnesIsRefused() {
        var bytes = SyncMessage.prune.encoded()
        bytes[6] = 11
        let error = decodingError(bytes)
        #expect(error?.offset == 6)
    }
}
