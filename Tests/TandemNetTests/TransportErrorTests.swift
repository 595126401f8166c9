import NIOCore
import TandemCore
import TandemCrypto
import Testing
@testable import TandemNet
import TandemTestSupport

@Suite("Transport errors and their descriptions")
struct TransportErrorTests {
    static let address = BackToBack.address(port: 7070)
    static let peer = TransportPeer(address: address, node: TestKeys.bob.nodeID)

    static let everyCase: [TransportError] = [
        .frameTooLarge(length: 5000, limit: 4096, peer: peer),
        .malformedFrame(reason: "length field 0", peer: peer),
        .versionMismatch(ours: 1, theirs: 2, peer: peer),
        .unexpectedFrame(type: .sealed, phase: "during the handshake", peer: peer),
        .unknownPeer(node: TestKeys.bob.nodeID, peer: peer),
        .unexpectedPeer(expected: TestKeys.carol.nodeID, actual: TestKeys.bob.nodeID, peer: peer),
        .badSignature(node: TestKeys.bob.nodeID, peer: peer),
        .keyExchangeFailed(peer: peer),
        .refusedByPeer(reason: .unknownPeer, peer: peer),
        .handshakeTimeout(after: .seconds(5), peer: peer),
        .decryptionFailed(peer: peer),
        .idleTimeout(after: .milliseconds(2500), peer: peer),
        .payloadTooLarge(size: 10, limit: 5, peer: peer),
        .outboundQueueFull(queuedBytes: 100, limit: 64, peer: peer),
        .sessionNotEstablished(peer: peer),
        .cryptoUnavailable(reason: "sodium_init failed", peer: peer),
    ]

    @Test("every case has its own reason label and names the peer and address")
    func descriptions() {
        #expect(Set(Self.everyCase.map(\.reason)) == Set(TransportError.Reason.allCases))
        for error in Self.everyCase {
            #expect(error.description.contains("127.0.0.1:7070"), "\(error)")
            #expect(error.description.contains(String(TestKeys.bob.nodeID.hex.prefix(16))), "\(error)")
            #expect(error.peer == Self.peer)
        }
    }

    @Test("only write failures leave the connection open")
    func closing() {
        let open = Self.everyCase.filter { !$0.closesConnection }.map(\.reason)
        #expect(open == [.payloadTooLarge, .outboundQueueFull, .sessionNotEstablished])
    }

    @Test("attribution fills what is unknown and keeps what is known")
    func attribution() {
        let bare = TransportError.decryptionFailed(peer: .unknown)
        #expect(bare.attributed(to: Self.peer).peer == Self.peer)
        let claimed = TransportError.unknownPeer(node: TestKeys.mallory.nodeID, peer: TransportPeer(address: nil, node: TestKeys.mallory.nodeID))
        let attributed = claimed.attributed(to: Self.peer)
        #expect(attributed.peer == TransportPeer(address: Self.address, node: TestKeys.mallory.nodeID))
        for error in Self.everyCase {
            #expect(error.attributed(to: .unknown) == error)
        }
    }

    @Test("peers are described readably")
    func peerDescriptions() throws {
        #expect(TransportPeer.unknown.description == "unidentified peer at unknown address")
        let v6 = try SocketAddress(ipAddress: "::1", port: 9)
        #expect(TransportPeer(address: v6, node: nil).description == "unidentified peer at [::1]:9")
        #expect(Self.peer.description == "node \(TestKeys.bob.nodeID) at 127.0.0.1:7070")
    }

    @Test("timeouts read in seconds or milliseconds")
    func durations() {
        #expect(TransportError.handshakeTimeout(after: .seconds(5), peer: .unknown).description.contains("within 5 s"))
        #expect(TransportError.idleTimeout(after: .milliseconds(2500), peer: .unknown).description.contains("for 2500 ms"))
    }
}
