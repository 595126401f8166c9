import NIOCore
import TandemCore

/// The handshake as a pure state machine: inputs in, actions out.
///
/// The client sends ClientHello; the server answers with a signed
/// ServerHello; the client checks the server (allow-list, expected peer,
/// signature) and sends a signed ClientFinish; the server checks it
/// (signature, then allow-list). Each side then derives its session keys.
/// docs/protocol.md, "Transport", specifies the bytes.
///
/// Like swift-nio-ssh's `SSHConnectionStateMachine`, it is an enum of
/// per-state structs with one function per input, owned by a thin handler
/// (``HandshakeHandler``) that carries the actions out. It does no I/O, reads
/// no clock and draws no randomness: the challenge and ephemeral key arrive in
/// ``HandshakeParameters``, and time arrives as ``timedOut(after:)``.
///
/// Guarantees:
/// - ``Action/complete(send:outcome:)`` is returned at most once, and only
///   after the peer proved possession of an allow-listed key by signing this
///   connection's transcript (and, for a client, only for the expected peer).
/// - A server answers every well-formed ClientHello the same way (a signed
///   ServerHello), whatever node id it claims, and refuses a client only
///   after its ClientFinish: `badSignature` when the signature does not
///   verify for the claimed id (allow-listed or not), `unknownPeer` only to
///   a client that proved it holds the key of an id outside the allow-list.
///   A client without an allow-listed key learns nothing of the allow-list.
/// - After a failure every later input returns ``Action/none``; after
///   completion every frame is handed on with ``Action/forward(_:)``.
struct HandshakeStateMachine: Sendable {
    /// What the handler must do.
    enum Action: Equatable, Sendable {
        /// Nothing.
        case none
        /// Send this message (and flush).
        case send(HandshakeMessage)
        /// The handshake is complete: send `send` if any, then start the
        /// encrypted session with `outcome`.
        case complete(send: HandshakeMessage?, outcome: HandshakeOutcome)
        /// The handshake failed: send a refusal with `refusal` if any, then
        /// report `error` and close.
        case fail(TransportError, refusal: RefusalReason?)
        /// The handshake is complete; this frame belongs to the session.
        case forward(Frame)
    }

    private enum State: Sendable {
        case clientReady(ClientReadyState)
        case clientSentHello(ClientSentHelloState)
        case serverAwaitingHello(ServerAwaitingHelloState)
        case serverSentHello(ServerSentHelloState)
        case established(NodeID)
        case failed
    }

    private var state: State
    /// The node the peer claimed (or, for a client, the node it dialled).
    private(set) var claimedPeer: NodeID?

    init(role: TransportRole, parameters: HandshakeParameters) {
        switch role {
        case .client:
            state = .clientReady(ClientReadyState(parameters: parameters))
            claimedPeer = parameters.expectedPeer
        case .server:
            state = .serverAwaitingHello(ServerAwaitingHelloState(parameters: parameters))
            claimedPeer = nil
        }
    }

    /// Whether the handshake has completed.
    var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// Whether the handshake is still running (neither completed nor failed).
    var isInProgress: Bool {
        switch state {
        case .established, .failed: false
        default: true
        }
    }

    /// Input: the connection became active.
    mutating func start() -> Action {
        switch state {
        case .clientReady(let ready):
            let (next, hello) = ready.start()
            state = .clientSentHello(next)
            return .send(hello)
        case .clientSentHello, .serverAwaitingHello, .serverSentHello, .established, .failed:
            return .none
        }
    }

    /// Input: a frame arrived.
    mutating func receivedFrame(_ frame: Frame) -> Action {
        switch state {
        case .established:
            return .forward(frame)
        case .failed:
            return .none
        case .clientReady, .clientSentHello, .serverAwaitingHello, .serverSentHello:
            break
        }
        do {
            let message = try HandshakeMessage(frame: frame)
            return try receive(message)
        } catch {
            return fail(error)
        }
    }

    /// Input: a layer below (the frame decoder) refused the peer's bytes.
    mutating func errorCaught(_ error: TransportError) -> Action {
        guard isInProgress else { return .none }
        return fail(error)
    }

    /// Input: the handshake timer fired.
    mutating func timedOut(after timeout: TimeAmount) -> Action {
        guard isInProgress else { return .none }
        return fail(TransportError.handshakeTimeout(after: timeout, peer: TransportPeer(address: nil, node: claimedPeer)))
    }

    private mutating func receive(_ message: HandshakeMessage) throws(TransportError) -> Action {
        switch (state, message) {
        case (_, .refusal(let reason)):
            throw TransportError.refusedByPeer(reason: reason, peer: TransportPeer(address: nil, node: claimedPeer))

        case (.serverAwaitingHello(let awaiting), .clientHello(let hello)):
            claimedPeer = hello.node
            let (next, reply) = try awaiting.receiveClientHello(hello)
            state = .serverSentHello(next)
            return .send(reply)

        case (.clientSentHello(let sent), .serverHello(let hello, let signature)):
            claimedPeer = hello.node
            let (finish, outcome) = try sent.receiveServerHello(hello, signature: signature)
            state = .established(outcome.peer)
            return .complete(send: finish, outcome: outcome)

        case (.serverSentHello(let sent), .clientFinish(let signature)):
            let outcome = try sent.receiveClientFinish(signature: signature)
            state = .established(outcome.peer)
            return .complete(send: nil, outcome: outcome)

        case (.clientReady, _):
            throw unexpected(message, phase: "before the client sent its hello")
        case (.clientSentHello, _):
            throw unexpected(message, phase: "while the client waits for ServerHello")
        case (.serverAwaitingHello, _):
            throw unexpected(message, phase: "while the server waits for ClientHello")
        case (.serverSentHello, _):
            throw unexpected(message, phase: "while the server waits for ClientFinish")
        case (.established, _), (.failed, _):
            // receivedFrame(_:) handles these states before parsing.
            throw unexpected(message, phase: "after the handshake")
        }
    }

    private func unexpected(_ message: HandshakeMessage, phase: String) -> TransportError {
        TransportError.unexpectedFrame(type: message.type, phase: phase, peer: TransportPeer(address: nil, node: claimedPeer))
    }

    private mutating func fail(_ error: TransportError) -> Action {
        state = .failed
        let attributed = error.attributed(to: TransportPeer(address: nil, node: claimedPeer))
        return .fail(attributed, refusal: HandshakeStateMachine.refusal(for: attributed))
    }

    /// The refusal to send the peer for a handshake failure, if any. A
    /// refusal from the peer, or our own crypto failing, gets none.
    static func refusal(for error: TransportError) -> RefusalReason? {
        switch error.reason {
        case .unknownPeer: .unknownPeer
        case .unexpectedPeer: .unexpectedPeer
        case .versionMismatch: .versionMismatch
        case .badSignature: .badSignature
        case .handshakeTimeout: .handshakeTimeout
        case .frameTooLarge, .malformedFrame, .unexpectedFrame, .keyExchangeFailed: .protocolViolation
        case .refusedByPeer, .cryptoUnavailable, .decryptionFailed, .idleTimeout, .payloadTooLarge,
            .outboundQueueFull, .sessionNotEstablished:
            nil
        }
    }
}
