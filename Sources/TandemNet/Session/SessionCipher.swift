import NIOCore
import TandemCrypto

/// The two secretstreams of one session: ours (push, keyed by our transmit
/// key) and the peer's (pull, keyed by our receive key, started by the
/// peer's StreamHeader).
///
/// Guarantees: ``open(_:)`` accepts exactly one StreamHeader first and Sealed
/// frames after it, returns only authenticated plaintext of messages tagged
/// `TAG_MESSAGE`, and throws a typed ``TransportError`` (with an unknown
/// peer, for the handler to attribute) for anything else: a message tagged
/// `TAG_FINAL` (or any other tag) is ``TransportError/decryptionFailed(peer:)``,
/// and so is every frame after it; a Refusal in place of the peer's
/// StreamHeader (a server refusing the client's Finish) is
/// ``TransportError/refusedByPeer(reason:peer:)``. ``seal(_:allocator:)``
/// produces frames that the peer's ``open(_:)`` accepts in the order they
/// were sealed.
struct SessionCipher {
    private let pusher: SecretStream.PushState
    private let receiveKey: [UInt8]
    private var puller: SecretStream.PullState?

    /// Starts our stream under `keys.transmit`; the peer's stream starts when
    /// its header arrives.
    init(keys: SessionKeys) throws(TransportError) {
        do {
            pusher = try SecretStream.PushState(key: keys.transmit)
        } catch {
            throw TransportError.cryptoUnavailable(reason: "\(error)", peer: .unknown)
        }
        receiveKey = keys.receive
        puller = nil
    }

    /// Our StreamHeader frame: the first frame we send after the handshake.
    func headerFrame(allocator: ByteBufferAllocator) -> Frame {
        var payload = allocator.buffer(capacity: pusher.header.count)
        payload.writeBytes(pusher.header)
        return Frame(type: .streamHeader, payload: payload)
    }

    /// Encrypts one plaintext (kind byte first) into a Sealed frame.
    func seal(_ plaintext: [UInt8], allocator: ByteBufferAllocator) -> Frame {
        let ciphertext = pusher.push(plaintext)
        var payload = allocator.buffer(capacity: ciphertext.count)
        payload.writeBytes(ciphertext)
        return Frame(type: .sealed, payload: payload)
    }

    /// Reads one inbound frame: the peer's StreamHeader (returns `nil`), then
    /// Sealed frames (returns their plaintext).
    mutating func open(_ frame: Frame) throws(TransportError) -> SessionPlaintext? {
        guard let puller else {
            try start(frame)
            return nil
        }
        guard frame.type == .sealed else {
            throw TransportError.unexpectedFrame(type: frame.type, phase: "in the encrypted session", peer: .unknown)
        }
        let plaintext: [UInt8]
        do {
            let pulled = try puller.pullWithTag(Array(frame.payload.readableBytesView))
            // The transport never ends a stream with TAG_FINAL (a connection
            // ends with TCP's close), so a FINAL message is refused like any
            // other tag but TAG_MESSAGE; the stream is then finished, so every
            // later frame fails too.
            guard pulled.tag == .message else { throw CryptoError.decryptionFailed }
            plaintext = pulled.message
        } catch {
            throw TransportError.decryptionFailed(peer: .unknown)
        }
        guard let decoded = SessionPlaintext.decode(plaintext) else {
            throw TransportError.malformedFrame(
                reason: "decrypted message has unknown kind \(plaintext.first.map { String($0) } ?? "(empty)")",
                peer: .unknown
            )
        }
        return decoded
    }

    private mutating func start(_ frame: Frame) throws(TransportError) {
        // A server refuses a client only after its ClientFinish (docs/protocol.md,
        // "Handshake"), when the client has already completed its side: the
        // Refusal then arrives instead of the server's StreamHeader.
        if frame.type == .refusal, case .refusal(let reason) = try HandshakeMessage(frame: frame) {
            throw TransportError.refusedByPeer(reason: reason, peer: .unknown)
        }
        guard frame.type == .streamHeader else {
            throw TransportError.unexpectedFrame(type: frame.type, phase: "instead of the peer's StreamHeader", peer: .unknown)
        }
        let header = Array(frame.payload.readableBytesView)
        guard header.count == SecretStream.headerByteCount else {
            throw TransportError.malformedFrame(
                reason: "StreamHeader must be \(SecretStream.headerByteCount) bytes, got \(header.count)",
                peer: .unknown
            )
        }
        do {
            puller = try SecretStream.PullState(key: receiveKey, header: header)
        } catch {
            throw TransportError.cryptoUnavailable(reason: "\(error)", peer: .unknown)
        }
    }
}
