import Foundation
import TandemCore
import TandemCrypto
import TandemDaemon
import TandemNode
import Testing

@Suite("configuration to SyncNode settings")
struct NodeMappingTests {
    @Test("peers become dialled addresses, the allow list and trusted origins; the drift bound is carried")
    func mapping() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let file = try fixture.parse(fixture.valid)
        let identity = try NodeKeyFile.read(from: file.node.keyFile)
        let peer = try #require(NodeID(hex: fixture.peerKey))
        let configuration = try NodeDaemon.nodeConfiguration(file, identity: identity)
        #expect(configuration.node == identity.nodeID)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 7401)
        #expect(configuration.peers.map(\.node) == [peer])
        #expect(configuration.peers.first?.host == "127.0.0.1")
        #expect(configuration.peers.first?.port == 7402)
        #expect(configuration.allowList == [peer])
        #expect(configuration.sync.trustedOrigins == [peer, identity.nodeID])
        #expect(configuration.sync.stateSources.isEmpty)
        #expect(configuration.maxClockOffsetMillis == 250)
    }

    @Test("state_source = true makes a peer a state source; a value that is not a boolean names the key")
    func stateSource() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let peer = try #require(NodeID(hex: fixture.peerKey))
        let text = fixture.valid.replacingOccurrences(
            of: "public_key = \"\(fixture.peerKey)\"", with: "public_key = \"\(fixture.peerKey)\"\nstate_source = true")
        let file = try fixture.parse(text)
        #expect(file.peers.first?.stateSource == true)
        let identity = try NodeKeyFile.read(from: file.node.keyFile)
        #expect(try NodeDaemon.nodeConfiguration(file, identity: identity).sync.stateSources == [peer])
        let wrong = fixture.valid.replacingOccurrences(
            of: "public_key = \"\(fixture.peerKey)\"", with: "public_key = \"\(fixture.peerKey)\"\nstate_source = \"yes\"")
        #expect { try fixture.parse(wrong) } throws: { error in
            "\(error)".contains("peer[1].state_source: expected true or false")
        }
    }

    @Test("a peer without an address is trusted as an origin and may connect, but is not dialled")
    func peerWithoutAddress() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let peer = try #require(NodeID(hex: fixture.peerKey))
        let text = fixture.valid.replacingOccurrences(of: "address = \"127.0.0.1:7402\"\n", with: "")
        let file = try fixture.parse(text)
        #expect(file.peers.first?.address == nil)
        let identity = try NodeKeyFile.read(from: file.node.keyFile)
        let configuration = try NodeDaemon.nodeConfiguration(file, identity: identity)
        #expect(configuration.peers.isEmpty)
        #expect(configuration.allowList == [peer])
        #expect(configuration.sync.trustedOrigins == [peer, identity.nodeID])
    }

    @Test("a peer with this node's own key is refused")
    func selfAsPeer() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let file = try fixture.parse(fixture.valid)
        let identity = try NodeKeyFile.read(from: file.node.keyFile)
        var own = file
        own.peers[0].publicKey = identity.nodeID
        #expect(throws: DaemonError.selfAsPeer(peer: "helpdesk")) {
            try NodeDaemon.nodeConfiguration(own, identity: identity)
        }
        #expect(DaemonError.selfAsPeer(peer: "helpdesk").description == "[[peer]] \"helpdesk\" has this node's own public key")
    }

    @Test("hex node ids parse in either case and nothing else does")
    func hexNodeIDs() throws {
        let id = try NodeKeyPair.generate().nodeID
        #expect(NodeID(hex: id.hex) == id)
        #expect(NodeID(hex: id.hex.uppercased()) == id)
        #expect(NodeID(hex: String(id.hex.dropLast())) == nil)
        #expect(NodeID(hex: String(id.hex.dropLast()) + "g") == nil)
        #expect(NodeID(hex: id.hex + "00") == nil)
        #expect(Hex.decode("0aFf") == [0x0a, 0xff])
        #expect(Hex.decode("abc") == nil)
    }
}
