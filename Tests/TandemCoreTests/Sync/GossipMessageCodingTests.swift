import TandemCore
import Testing

/// The wire form of the broadcast tree's and delta summaries' messages
/// (tags 8 to 10): round trips, origins named by an 8-byte prefix and
/// resolved among the receiver's known origins, and a clear refusal of
/// malformed frames.
@Suite struct GossipMessageCodingTests {
    let origin = Fixture.c
    /// Fixture.a and Fixture.b share their first 8 bytes, so a receiver
    /// knowing both could not tell them apart: `known` holds one of them.
    let known = OriginPrefixes([Fixture.a, Fixture.c])

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
        #expect(try SyncMessage(decoding: message.encoded(), origins: known) == message)
    }

    @Test func aDeltaWithBatchesAndAGraftRoundTrip() throws {
        let delta = SyncMessage.summaryDelta(SummaryDelta(number: 7, acknowledging: 6, added: vector([1, 2, 3, 9])))
        #expect(try SyncMessage(decoding: delta.encoded(), origins: known) == delta)
        let graft = SyncMessage.graft(wanted: vector([4, 5, 11]))
        #expect(try SyncMessage(decoding: graft.encoded()) == graft)
    }

    @Test func aDeltaNamesEachOriginByEightBytesAndLeavesOutWhatTheReceiverCannotResolve() throws {
        var added = vector([1, 2, 3])
        added.insert(origin: Fixture.a, sequence: 4)
        let message = SyncMessage.summaryDelta(SummaryDelta(number: 2, acknowledging: 1, added: added))
        let bytes = message.encoded()
        // Header 6, tag, number, acknowledgement, count; per origin 8 bytes
        // of id, prefix and range count (and Fixture.a's one range, gap and
        // span); the neighbour flag.
        #expect(bytes.count == 6 + 1 + 1 + 1 + 1 + (8 + 1 + 1 + 2) + (8 + 1 + 1) + 1)
        #expect(try SyncMessage(decoding: bytes, origins: known) == message)
        // A receiver that knows only one of the origins keeps that one.
        let partial = try SyncMessage(decoding: bytes, origins: OriginPrefixes([Fixture.a]))
        var onlyA = BatchVector()
        onlyA.insert(origin: Fixture.a, sequence: 4)
        #expect(partial == .summaryDelta(SummaryDelta(number: 2, acknowledging: 1, added: onlyA)))
        // Two known origins sharing the prefix (Fixture.a and .b): neither
        // is named; the entry is left out, the rest kept.
        let ambiguous = OriginPrefixes([Fixture.a, Fixture.b, Fixture.c])
        #expect(ambiguous.resolve(OriginPrefixes.prefix(of: Fixture.a)) == nil)
        #expect(try SyncMessage(decoding: bytes, origins: ambiguous)
                == .summaryDelta(SummaryDelta(number: 2, acknowledging: 1, added: vector([1, 2, 3]))))
        // A sender holding both leaves both out.
        var twins = vector([5])
        twins.insert(origin: Fixture.a, sequence: 1)
        twins.insert(origin: Fixture.b, sequence: 1)
        #expect(try SyncMessage(decoding: SyncMessage.summaryDelta(SummaryDelta(number: 1, acknowledging: 0, added: twins)).encoded(), origins: ambiguous)
                == .summaryDelta(SummaryDelta(number: 1, acknowledging: 0, added: vector([5]))))
    }

    @Test func originPrefixesOutOfOrderAreRefused() {
        var added = vector([1])
        added.insert(origin: Fixture.a, sequence: 4)
        var bytes = SyncMessage.summaryDelta(SummaryDelta(number: 2, acknowledging: 1, added: added)).encoded()
        // Swap the two entries after the count (offset 10): Fixture.a's
        // (12 bytes, the smaller prefix) and Fixture.c's (10 bytes).
        let first = Array(bytes[10..<22])
        let second = Array(bytes[22..<32])
        bytes.replaceSubrange(10..<32, with: second + first)
        #expect("\(String(describing: decodingError(bytes)))".contains("summary origin prefixes not strictly increasing"))
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
