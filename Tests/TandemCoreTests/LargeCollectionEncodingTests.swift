import TandemCore
import TandemTestSupport
import Testing

/// The encoder's paths for large collections: ids sorted by the radix sort
/// (256 records and more), ids that tie on their first 16 bytes, and
/// records whose fields differ from the previous record's. The decoder
/// refuses ids out of byte order and non-canonical name skips, so a round
/// trip that decodes to the same state checks the order too.
@Suite(.ownThread) struct LargeCollectionEncodingTests {
    /// A deterministic stream (SplitMix64) so a failure can be replayed.
    struct Stream {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static let prefixes = ["", "a", "customer-", "customer-0000000000", "z", "\u{E9}t\u{E9}-", "\u{1F600}"]
    static let alphabet = Array("0123456789abcxyz-\u{E9}\u{3A9}\u{0}")
    static let names = ["name", "email", "phone", "f", "e\u{301}", "\u{3A9}", "status", "a"]

    static func collection(records: Int, seed: UInt64) throws -> RecordCollection {
        var stream = Stream(state: seed)
        var replica = RecordCollection()
        for index in 0..<records {
            var id = prefixes[stream.next(prefixes.count)]
            for _ in 0..<stream.next(24) { id.append(alphabet[stream.next(alphabet.count)]) }
            if id.isEmpty { id = "\(index)" }
            // Most records share one field set; some differ in names and count.
            let count = stream.next(4) == 0 ? 1 + stream.next(names.count) : 4
            let fields = (0..<count).map { place -> (String, Value) in
                let name = count == 4 ? names[place] : names[stream.next(names.count)]
                return (name, .string(String(repeating: "v", count: stream.next(40))))
            }
            try replica.update(id, fields: fields, by: Fixture.nodes[stream.next(3)],
                               at: Fixture.timestamp(UInt64(1_000 + index)))
        }
        return replica
    }

    @Test(arguments: [(300, 1), (3_000, 2), (5_000, 3)] as [(Int, UInt64)])
    func largeCollectionsRoundTrip(records: Int, seed: UInt64) throws {
        let replica = try Self.collection(records: records, seed: seed)
        #expect(replica.count > 255)
        let bytes = replica.encoded()
        let decoded = try RecordCollection(decoding: bytes)
        #expect(decoded == replica)
        #expect(decoded.encoded() == bytes)
    }

    @Test func idsTyingOnSixteenBytesAreOrderedByTheirWholeBytes() throws {
        var replica = RecordCollection()
        let shared = "0123456789abcdef"
        for suffix in ["b", "", "a", "ab", "\u{E9}", "\u{0}", "aa"].reversed() {
            try replica.set("n", to: .int(1), in: shared + suffix, by: Fixture.a, at: Fixture.timestamp(1))
        }
        for index in 0..<300 {
            try replica.set("n", to: .int(2), in: "filler-\(index)", by: Fixture.a, at: Fixture.timestamp(2))
        }
        let bytes = replica.encoded()
        let decoded = try RecordCollection(decoding: bytes)
        #expect(decoded == replica)
        #expect(decoded.encoded() == bytes)
    }
}
