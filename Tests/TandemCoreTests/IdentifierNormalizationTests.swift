import TandemCore
import Testing

/// docs/semantics.md, "Known limits": record ids are Swift strings, so ids
/// that differ only in Unicode normalisation are one record. The canonical
/// encoding promises that equal states give identical bytes.
@Suite struct IdentifierNormalizationTests {
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
        withKnownIssue("the id's spelling is whichever the last join wrote, so equal states can encode differently") {
            #expect(ab.encoded() == ba.encoded())
        }
    }
}
