import Foundation
import TandemAdapterCore
import TandemCore
import TandemCrypto
import TandemDaemon
import TandemStore
import Testing

@Suite("adapter settings to mappings, restorable conflict values")
struct AdapterMappingTests {
    @Test("an [[adapter]] and its [[collection]] become the adapter core's mapping")
    func mapping() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let file = try fixture.parse(fixture.valid)
        let own = try NodeKeyPair.generate().nodeID
        let settings = try #require(file.adapters.first)
        let collection = try #require(file.collection(named: "contacts"))
        let mapping = try AdapterMappingBuilder.mapping(settings, collection: collection, configuration: file, own: own)
        #expect(mapping.name == "contacts/sqlite/customers")
        #expect(mapping.collection == "contacts")
        #expect(mapping.table == "customers")
        #expect(mapping.keyColumn == "id")
        #expect(mapping.fields == [
            FieldBinding(field: "email", column: "email"),
            FieldBinding(field: "name", column: "full_name"),
            FieldBinding(field: "tags", column: "tags", direction: .in, isSet: true),
        ])
        #expect(mapping.match == MatchRule(field: "email", fallbackField: "phone"))
        #expect(mapping.owners == ["renewal_date": own])
        #expect(mapping.massDeletes == MassDeletePolicy(share: 0.5, minimumRows: 10))
        #expect(AdapterMappingBuilder.fieldOwners(file, own: own) == ["contacts": ["renewal_date": own]])

        var peerOwned = fixture.valid.replacingOccurrences(of: "renewal_date = \"crm\"", with: "renewal_date = \"helpdesk\"")
        let peer = try fixture.parse(peerOwned)
        #expect(AdapterMappingBuilder.fieldOwners(peer, own: own)["contacts"]?["renewal_date"] == peer.peers.first?.publicKey)

        peerOwned = fixture.valid.replacingOccurrences(of: "email = \"email\"\n", with: "")
            .replacingOccurrences(of: "match_key = \"email\"\nfallback_match_key = \"phone\"", with: "match_key = \"email\"")
        let unmatched = try fixture.parse(peerOwned)
        #expect(throws: DaemonError.self) {
            try AdapterMappingBuilder.mapping(
                try #require(unmatched.adapters.first), collection: try #require(unmatched.collections.first),
                configuration: unmatched, own: own)
        }
    }

    @Test("a conflict's losing value survives the detail text around it", arguments: [
        Value.null, .bool(true), .int(-42), .double(2.5), .double(3), .string("+44 20 7946 0555 restore={\"x\":1}"),
        .bytes([0, 255, 16]),
    ])
    func restorable(value: Value) {
        let restorable = RestorableValue(field: "phone", value: value)
        let detail = "crm: field phone: captured \(value) lost restore=nonsense" + restorable.suffix
        #expect(RestorableValue.parse(detail) == restorable)
        #expect(RestorableValue.split(detail).text == "crm: field phone: captured \(value) lost restore=nonsense")
        #expect(RestorableValue.parse("field phone: 1 won over 2") == nil)
    }
}
