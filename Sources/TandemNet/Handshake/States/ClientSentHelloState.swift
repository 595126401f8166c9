import TandemCore
import TandemCrypto

/// The client has sent its hello and waits for the server's.
struct ClientSentHelloState: Sendable {
    let parameters: HandshakeParameters
    let clientHello: Hello

    /// Checks the server's hello in the documented order (allow-list,
    /// expected peer, signature, key exchange) and produces the Finish.
    func receiveServerHello(
        _ serverHello: Hello,
        signature: [UInt8]
    ) throws(TransportError) -> (HandshakeMessage, HandshakeOutcome) {
        let server = serverHello.node
        let peer = TransportPeer(address: nil, node: server)
        guard parameters.allowList.contains(server) else {
            throw TransportError.unknownPeer(node: server, peer: peer)
        }
        if let expected = parameters.expectedPeer, expected != server {
            throw TransportError.unexpectedPeer(expected: expected, actual: server, peer: peer)
        }
        let hash = try HandshakeTranscript.hash(clientHello: clientHello, serverHello: serverHello)
        guard SignatureVerifier.verify(signature: signature, message: HandshakeTranscript.serverSigned(hash), signer: server)
        else {
            throw TransportError.badSignature(node: server, peer: peer)
        }
        let keys: SessionKeys
        do {
            keys = try parameters.ephemeral.clientSessionKeys(serverPublicKey: serverHello.ephemeralPublicKey)
        } catch {
            throw TransportError.keyExchangeFailed(peer: peer)
        }
        let finish = HandshakeMessage.clientFinish(
            signature: parameters.identity.sign(HandshakeTranscript.clientSigned(hash))
        )
        return (finish, HandshakeOutcome(peer: server, keys: keys, transcriptHash: hash))
    }
}
