import TandemCore
import TandemCrypto

/// The server has sent its hello and waits for the client's Finish.
struct ServerSentHelloState: Sendable {
    /// The node the client claimed in its hello (not yet proven).
    let client: NodeID
    /// Whether that node is in the server's allow-list; acted on only once
    /// the client has proved its key.
    let allowListed: Bool
    let keys: SessionKeys
    let transcriptHash: [UInt8]

    /// Completes the handshake when the client's signature verifies for the
    /// node it claimed and that node is allow-listed.
    ///
    /// The signature is checked first, for every client: one that does not
    /// hold the key of the id it claimed gets ``TransportError/badSignature(node:peer:)``
    /// whether the id is allow-listed or not; ``TransportError/unknownPeer(node:peer:)``
    /// goes only to a client that proved its key.
    func receiveClientFinish(signature: [UInt8]) throws(TransportError) -> HandshakeOutcome {
        let peer = TransportPeer(address: nil, node: client)
        guard
            SignatureVerifier.verify(
                signature: signature,
                message: HandshakeTranscript.clientSigned(transcriptHash),
                signer: client
            )
        else {
            throw TransportError.badSignature(node: client, peer: peer)
        }
        guard allowListed else {
            throw TransportError.unknownPeer(node: client, peer: peer)
        }
        return HandshakeOutcome(peer: client, keys: keys, transcriptHash: transcriptHash)
    }
}
