import Foundation
import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// Field ownership at the protocol: every node refuses a write to an owned
/// field signed by another node, and a node refuses to sign one.
@Suite("Field ownership over TCP")
struct FieldOwnershipTests {
    static func configuration(_ keys: NodeKeyPair, owners: [String: [String: NodeID]], peers: [PeerAddress] = [])
        -> SyncNodeConfiguration {
        var configuration = SyncNodeConfiguration(
            identity: keys, port: 0, peers: peers, members: [AdapterKeys.crm.nodeID, AdapterKeys.helpdesk.nodeID],
            reconnect: ReconnectPolicy(baseDelayMillis: 20, maxDelayMillis: 200, jitter: { 0.5 }))
        configuration.sync.summaryIntervalMillis = 100
        configuration.sync.fieldOwners = owners
        return configuration
    }

    @Test("a batch writing an owned field, signed by another node, is refused and not applied")
    func refusedOnReceive() async throws {
        let directory = try TemporaryDirectory("adapter-ownership")
        defer { directory.remove() }
        let owners = ["contacts": ["vip": AdapterKeys.crm.nodeID]]
        let crm = try SyncNode.open(
            configuration: Self.configuration(AdapterKeys.crm, owners: owners), directory: directory.appending("crm"))
        try await crm.start()
        guard let port = crm.boundPort else { throw Timeout(what: "crm's port") }
        // The helpdesk is misconfigured (it knows no owners), so it signs the write.
        let helpdesk = try SyncNode.open(
            configuration: Self.configuration(
                AdapterKeys.helpdesk, owners: [:],
                peers: [PeerAddress(node: AdapterKeys.crm.nodeID, host: "127.0.0.1", port: port)]),
            directory: directory.appending("helpdesk"))
        try await helpdesk.start()
        try await helpdesk.write(collection: "contacts", record: "c-1", fields: ["vip": .bool(true)])
        try await helpdesk.write(collection: "contacts", record: "c-2", fields: ["name": .string("Bob")])
        try await eventually("the unowned write applied on crm") {
            try await crm.record(collection: "contacts", id: "c-2") != nil
        }
        try await eventually("the refusal counted") { crm.metrics.rejections["not_owner", default: 0] >= 1 }
        #expect(try await crm.record(collection: "contacts", id: "c-1") == nil)

        // The owner's node refuses to sign another's ownership away: a
        // node configured with owners refuses a local write by a non-owner.
        let strict = try SyncNode.open(
            configuration: Self.configuration(AdapterKeys.billing, owners: owners), directory: directory.appending("billing"))
        try await strict.start()
        await #expect(throws: SyncWriteError.self) {
            try await strict.write(collection: "contacts", record: "c-3", fields: ["vip": .bool(false)])
        }
        try await strict.shutdown()
        try await helpdesk.shutdown()
        try await crm.shutdown()
    }
}
