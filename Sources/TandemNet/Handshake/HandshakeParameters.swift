import TandemCore
import TandemCrypto

/// Everything one side brings to a handshake: its identity, whom it trusts,
/// whom it dialled, and this connection's fresh randomness.
///
/// Guarantees: the handshake uses no other source of keys or randomness, so
/// the same parameters on both sides replay the same handshake byte for byte.
struct HandshakeParameters: Sendable {
    /// The random bytes one handshake needs: a challenge and a key-exchange seed.
    static let randomByteCount = Hello.challengeByteCount + KeyExchange.seedByteCount

    /// This node's long-term signing key.
    var identity: NodeKeyPair
    /// The node ids this side accepts as peers.
    var allowList: Set<NodeID>
    /// For a client, the node it dialled; `nil` accepts any allow-listed server.
    var expectedPeer: NodeID?
    /// This connection's 32-byte challenge.
    var challenge: [UInt8]
    /// This connection's ephemeral key-exchange key pair.
    var ephemeral: KeyExchange

    init(identity: NodeKeyPair, allowList: Set<NodeID>, expectedPeer: NodeID?, challenge: [UInt8], ephemeral: KeyExchange) {
        self.identity = identity
        self.allowList = allowList
        self.expectedPeer = expectedPeer
        self.challenge = challenge
        self.ephemeral = ephemeral
    }

    /// Parameters whose challenge and ephemeral key come from `random`, which
    /// must be ``randomByteCount`` bytes.
    init(identity: NodeKeyPair, allowList: Set<NodeID>, expectedPeer: NodeID?, random: [UInt8]) throws(TransportError) {
        guard random.count == HandshakeParameters.randomByteCount else {
            throw TransportError.cryptoUnavailable(
                reason: "the random source returned \(random.count) bytes, \(HandshakeParameters.randomByteCount) needed",
                peer: .unknown
            )
        }
        let ephemeral: KeyExchange
        do {
            ephemeral = try KeyExchange(seed: Array(random[Hello.challengeByteCount...]))
        } catch {
            throw TransportError.cryptoUnavailable(reason: "\(error)", peer: .unknown)
        }
        self.init(
            identity: identity,
            allowList: allowList,
            expectedPeer: expectedPeer,
            challenge: Array(random[..<Hello.challengeByteCount]),
            ephemeral: ephemeral
        )
    }

    /// This side's hello.
    var hello: Hello {
        Hello(node: identity.nodeID, challenge: challenge, ephemeralPublicKey: ephemeral.publicKey)
    }
}
