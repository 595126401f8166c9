import TandemCore
import TandemCrypto

/// The server waits for the client's hello; it has sent nothing.
struct ServerAwaitingHelloState: Sendable {
    let parameters: HandshakeParameters

    /// Refuses a client that is not allow-listed before revealing anything;
    /// otherwise answers with the server's signed hello.
    func receiveClientHello(_ clientHello: Hello) throws(TransportError) -> (ServerSentHelloState, HandshakeMessage) {
        let client = clientHello.node
        let peer = TransportPeer(address: nil, node: client)
        guard parameters.allowList.contains(client) else {
            throw TransportError.unknownPeer(node: client, peer: peer)
        }
        let keys: SessionKeys
        do {
            keys = try parameters.ephemeral.serverSessionKeys(clientPublicKey: clientHello.ephemeralPublicKey)
        } catch {
            throw TransportError.keyExchangeFailed(peer: peer)
        }
        let serverHello = parameters.hello
        let hash = try HandshakeTranscript.hash(clientHello: clientHello, serverHello: serverHello)
        let signature = parameters.identity.sign(HandshakeTranscript.serverSigned(hash))
        let next = ServerSentHelloState(client: client, keys: keys, transcriptHash: hash)
        return (next, .serverHello(serverHello, signature: signature))
    }
}
