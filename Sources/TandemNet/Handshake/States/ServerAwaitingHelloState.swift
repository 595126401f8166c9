import TandemCore
import TandemCrypto

/// The server waits for the client's hello; it has sent nothing.
struct ServerAwaitingHelloState: Sendable {
    let parameters: HandshakeParameters

    /// Answers any well-formed hello with the server's signed hello, whatever
    /// node id it claims: whether that id is allow-listed is decided only
    /// after the client proved it holds the id's key (in
    /// ``ServerSentHelloState``), so the answer here reveals nothing about
    /// the allow-list.
    func receiveClientHello(_ clientHello: Hello) throws(TransportError) -> (ServerSentHelloState, HandshakeMessage) {
        let client = clientHello.node
        let peer = TransportPeer(address: nil, node: client)
        let keys: SessionKeys
        do {
            keys = try parameters.ephemeral.serverSessionKeys(clientPublicKey: clientHello.ephemeralPublicKey)
        } catch {
            throw TransportError.keyExchangeFailed(peer: peer)
        }
        let serverHello = parameters.hello
        let hash = try HandshakeTranscript.hash(clientHello: clientHello, serverHello: serverHello)
        let signature = parameters.identity.sign(HandshakeTranscript.serverSigned(hash))
        let next = ServerSentHelloState(
            client: client,
            allowListed: parameters.allowList.contains(client),
            keys: keys,
            transcriptHash: hash
        )
        return (next, .serverHello(serverHello, signature: signature))
    }
}
