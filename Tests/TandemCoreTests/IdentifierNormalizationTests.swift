import TandemCore
import TandemTestSupport
import Testing

/// docs/semantics.md, "Record ids and field names": the core holds every
/// record id and field name in Unicode normal form C (`Identifier`), so ids
/// equal as Swift strings are one record with one spelling everywhere: in
/// equality, hashing, order, reconciliation buckets, digests and bytes.
/// (Issue 12, items 1 and 2.)
@Suite(.ownThread) struct IdentifierNormalizationTests {
    let precomposed = "\u{E9}"
    let decomposed = "e\u{301}"

    @Test func canonicallyEquivalentIdsAreOneRecord() throws {
        var replicaA = RecordCollection()
        var replicaB = RecordCollection()
        try replicaA.set("name", to: .string("A"), in: precomposed, by: Fixture.a, at: Fixture.timestamp(1))
        try replicaB.set("email", to: .string("B"), in: decomposed, by: Fixture.b, at: Fixture.timestamp(1))
        let merged = replicaA.joined(replicaB)
        #expect(merged.count == 1)
        #expect(merged == replicaB.joined(replicaA))
    }

    @Test func equalStatesWithEquivalentIdsEncodeIdentically() throws {
        var replicaA = RecordCollection()
        var replicaB = RecordCollection()
        try replicaA.set("name", to: .string("A"), in: precomposed, by: Fixture.a, at: Fixture.timestamp(1))
        try replicaB.set("email", to: .string("B"), in: decomposed, by: Fixture.b, at: Fixture.timestamp(1))
        let ab = replicaA.joined(replicaB)
        let ba = replicaB.joined(replicaA)
        #expect(ab == ba)
        #expect(ab.encoded() == ba.encoded())
    }

    /// Issue 12, item 1: S holds A's write on "é" and B's on "e\u{301}", R
    /// holds B's. Reconciling R from S leaf by leaf used to find B's record
    /// missing from S's bucket for the decomposed spelling, read that as a
    /// removal, and leave R without the record.
    @Test func reconcilingWithAReplicaThatSpelledTheIdDifferentlyLosesNothing() throws {
        var writerB = RecordCollection()
        try writerB.set("g", to: .int(2), in: decomposed, by: Fixture.b, at: Fixture.timestamp(1))
        var sender = RecordCollection()
        try sender.set("f", to: .int(1), in: precomposed, by: Fixture.a, at: Fixture.timestamp(1))
        sender.join(writerB)
        var receiver = writerB
        let leaves = Set([DigestReconciliation.leaf(of: precomposed), DigestReconciliation.leaf(of: decomposed)])
        #expect(leaves.count == 1)
        for leaf in leaves.sorted() {
            try Self.reconcile(&receiver, from: sender, leaves: leaf...leaf)
        }
        #expect(receiver == sender)
        #expect(receiver.value(of: "f", in: precomposed) == .int(1))
        #expect(receiver.value(of: "g", in: decomposed) == .int(2))
        // The next join carries nothing lost back to the sender.
        #expect(sender.joined(receiver) == sender)
    }

    /// Issue 12, item 2: a join that only removes used to re-insert the
    /// record under the spelling of the dot index, which came from the
    /// other side.
    @Test func aJoinThatOnlyRemovesKeepsTheSpelling() throws {
        var replica = RecordCollection()
        try replica.set("f", to: .int(1), in: precomposed, by: Fixture.a, at: Fixture.timestamp(1))
        var other = RecordCollection()
        try other.set("g", to: .int(2), in: decomposed, by: Fixture.b, at: Fixture.timestamp(1))
        replica.join(other)
        replica.join(other.delete(decomposed))
        #expect(replica.recordIDs.map { Array($0.utf8) } == [Array(precomposed.utf8)])
        #expect(replica.value(of: "f", in: precomposed) == .int(1))
    }

    /// A canonical encoding has one spelling: ids and names not in NFC are
    /// refused.
    @Test func decodersRefuseIdsAndNamesNotInNormalFormC() throws {
        for (id, name) in [("zzz", "name"), ("r1", "zzz")] {
            var replica = RecordCollection()
            try replica.set(name, to: .int(1), in: id, by: Fixture.a, at: Fixture.timestamp(1))
            var bytes = replica.encoded()
            let zzz = Array("zzz".utf8)
            let at = try #require((0...(bytes.count - 3)).first { Array(bytes[$0..<($0 + 3)]) == zzz })
            bytes.replaceSubrange(at..<(at + 3), with: Array(decomposed.utf8))
            #expect(Array(decomposed.utf8).count == 3)
            do {
                _ = try RecordCollection(decoding: bytes)
                Issue.record("decoded a payload spelling \(id)/\(name) as e + U+0301")
            } catch {
                guard case .notCanonical(let reason) = error.reason else {
                    Issue.record("expected notCanonical, got \(error)")
                    continue
                }
                #expect(reason.contains("normal form C"))
            }
        }
    }

    /// Writes, deletes, joins and leaf-by-leaf reconciliations over ids and
    /// names drawn from several spellings behave exactly as the same steps
    /// with every identifier spelled in NFC: equal states, equal bytes.
    @Test func mixedSpellingsBehaveAsOneSpelling() throws {
        // Each identifier with its NFC spelling first; U+212B ANGSTROM SIGN
        // is canonically U+00C5.
        let ids = [["\u{E9}", "e\u{301}"], ["\u{C5}", "A\u{30A}", "\u{212B}"], ["r"]]
        let names = [["\u{E9}", "e\u{301}"], ["n"], ["\u{1E0D}\u{307}", "d\u{323}\u{307}", "\u{1E0B}\u{323}"]]
        for seed in UInt64(0)..<300 {
            var random = Mix(seed)
            var mixed = [RecordCollection](repeating: RecordCollection(), count: 3)
            var plain = mixed
            for step in UInt64(1)...30 {
                let replica = random.below(3)
                let other = (replica + 1 + random.below(2)) % 3
                switch random.below(4) {
                case 0:
                    let id = ids[random.below(ids.count)]
                    let name = names[random.below(names.count)]
                    let spellingID = id[random.below(id.count)]
                    let spellingName = name[random.below(name.count)]
                    let node = Fixture.nodes[replica]
                    try mixed[replica].set(spellingName, to: .int(Int64(step)), in: spellingID, by: node, at: Fixture.timestamp(step))
                    try plain[replica].set(name[0], to: .int(Int64(step)), in: id[0], by: node, at: Fixture.timestamp(step))
                case 1:
                    let id = ids[random.below(ids.count)]
                    mixed[replica].delete(id[random.below(id.count)])
                    plain[replica].delete(id[0])
                case 2:
                    mixed[replica].join(mixed[other])
                    plain[replica].join(plain[other])
                default:
                    let leaves = Set(ids.joined().map(DigestReconciliation.leaf(of:))).sorted()
                    for leaf in leaves {
                        try Self.reconcile(&mixed[replica], from: mixed[other], leaves: leaf...leaf)
                        try Self.reconcile(&plain[replica], from: plain[other], leaves: leaf...leaf)
                    }
                }
                try #require(mixed[replica] == plain[replica], "seed \(seed), step \(step)")
                try #require(mixed[replica].encoded() == plain[replica].encoded(), "seed \(seed), step \(step)")
            }
        }
    }

    /// The receiver joins the sender's scoped delta for `leaves`, as the
    /// digest reconciliation does.
    static func reconcile(_ receiver: inout RecordCollection, from sender: RecordCollection, leaves: ClosedRange<UInt16>) throws {
        let theirs = try RecordCollection(
            records: sender.records.filter { leaves.contains(DigestReconciliation.leaf(of: $0.key)) }, context: sender.context)
        let ours = receiver.records.filter { leaves.contains(DigestReconciliation.leaf(of: $0.key)) }
        receiver.join(DigestReconciliation.scopedDelta(theirs: theirs, ours: ours))
    }

    /// SplitMix64: a small seeded source of choices.
    struct Mix {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func below(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }
}
