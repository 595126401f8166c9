/// The client before the connection is active: nothing sent yet.
struct ClientReadyState: Sendable {
    let parameters: HandshakeParameters

    /// Sends the client's hello.
    func start() -> (ClientSentHelloState, HandshakeMessage) {
        let hello = parameters.hello
        return (ClientSentHelloState(parameters: parameters, clientHello: hello), .clientHello(hello))
    }
}
