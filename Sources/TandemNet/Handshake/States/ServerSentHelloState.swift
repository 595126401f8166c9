import TandemCore
import TandemCrypto

/// The server has sent its hello and waits for the client's Finish.
struct ServerSentHelloState: Sendable {
    /// The node the client claimed in its hello (allow-listed, not yet proven).
    let client: NodeID
    let keys: SessionKeys
    let transcriptHash: [UInt8]

    /// Completes the handshake when the client's signature verifies.
    func receiveClientFinish(signature: [UInt8]) throws(TransportError) -> HandshakeOutcome {
        guard
            SignatureVerifier.verify(
                signature: signature,
                message: HandshakeTranscript.clientSigned(transcriptHash),
                signer: client
            )
        else {
            throw TransportError.badSignature(node: client, peer: TransportPeer(address: nil, node: client))
        }
        return HandshakeOutcome(peer: client, keys: keys, transcriptHash: transcriptHash)
    }
}
