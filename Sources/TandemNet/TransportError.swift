public import NIOCore
public import TandemCore

/// Every reason the transport refuses a peer, drops a connection or fails a
/// write.
///
/// Guarantees:
/// - Bad input from a peer always becomes one of these cases, never a trap.
/// - Every case carries the ``TransportPeer`` it concerns, and `description`
///   says what happened and with which peer and address.
/// - Errors for which ``closesConnection`` is `true` are fired through the
///   pipeline's `errorCaught`, reported to ``TransportEvents/rejected`` once,
///   and the channel is closed. The others fail only the write that caused
///   them.
/// - ``reason`` is a payload-free label for counting rejections by kind.
public enum TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A frame's length field exceeds the limit in force (a small limit
    /// before the peer is authenticated, the configured maximum after).
    case frameTooLarge(length: Int, limit: Int, peer: TransportPeer)
    /// A frame is structurally invalid: too short, an unknown type, a
    /// handshake message of the wrong size, an unknown payload kind.
    case malformedFrame(reason: String, peer: TransportPeer)
    /// The peer speaks another protocol version.
    case versionMismatch(ours: UInt8, theirs: UInt8, peer: TransportPeer)
    /// A well-formed frame arrived at a point of the protocol where it is
    /// not allowed (for example a second hello, or data before the handshake).
    case unexpectedFrame(type: FrameType, phase: String, peer: TransportPeer)
    /// The peer's node id is not in our allow-list.
    case unknownPeer(node: NodeID, peer: TransportPeer)
    /// The server is allow-listed but is not the node we dialled.
    case unexpectedPeer(expected: NodeID, actual: NodeID, peer: TransportPeer)
    /// The peer's signature over the handshake transcript did not verify
    /// against the node id it claimed.
    case badSignature(node: NodeID, peer: TransportPeer)
    /// The peer's ephemeral key-exchange key was rejected by crypto_kx.
    case keyExchangeFailed(peer: TransportPeer)
    /// The peer refused our handshake and said why.
    case refusedByPeer(reason: RefusalReason, peer: TransportPeer)
    /// The handshake did not complete within the configured time.
    case handshakeTimeout(after: TimeAmount, peer: TransportPeer)
    /// An encrypted frame failed authentication: tampered, truncated,
    /// reordered, replayed, or not from this session.
    case decryptionFailed(peer: TransportPeer)
    /// Nothing was received from an authenticated peer for the configured
    /// idle timeout: the connection is presumed half-open.
    case idleTimeout(after: TimeAmount, peer: TransportPeer)
    /// A payload we were asked to send does not fit in one frame. Only that
    /// write fails.
    case payloadTooLarge(size: Int, limit: Int, peer: TransportPeer)
    /// Writing would take the bytes queued but not yet written to the socket
    /// past the configured limit. Only that write fails.
    case outboundQueueFull(queuedBytes: Int, limit: Int, peer: TransportPeer)
    /// A payload was written before the peer was authenticated. Only that
    /// write fails.
    case sessionNotEstablished(peer: TransportPeer)
    /// libsodium could not be used (it failed to initialise); nothing can be
    /// verified, so the connection is closed.
    case cryptoUnavailable(reason: String, peer: TransportPeer)

    /// A label per case, for counting rejections by reason.
    public enum Reason: String, Hashable, Sendable, CaseIterable {
        case frameTooLarge, malformedFrame, versionMismatch, unexpectedFrame, unknownPeer, unexpectedPeer
        case badSignature, keyExchangeFailed, refusedByPeer, handshakeTimeout, decryptionFailed, idleTimeout
        case payloadTooLarge, outboundQueueFull, sessionNotEstablished, cryptoUnavailable
    }

    /// The case, without its details.
    public var reason: Reason {
        switch self {
        case .frameTooLarge: .frameTooLarge
        case .malformedFrame: .malformedFrame
        case .versionMismatch: .versionMismatch
        case .unexpectedFrame: .unexpectedFrame
        case .unknownPeer: .unknownPeer
        case .unexpectedPeer: .unexpectedPeer
        case .badSignature: .badSignature
        case .keyExchangeFailed: .keyExchangeFailed
        case .refusedByPeer: .refusedByPeer
        case .handshakeTimeout: .handshakeTimeout
        case .decryptionFailed: .decryptionFailed
        case .idleTimeout: .idleTimeout
        case .payloadTooLarge: .payloadTooLarge
        case .outboundQueueFull: .outboundQueueFull
        case .sessionNotEstablished: .sessionNotEstablished
        case .cryptoUnavailable: .cryptoUnavailable
        }
    }

    /// The peer this error concerns.
    public var peer: TransportPeer {
        switch self {
        case .frameTooLarge(_, _, let peer), .malformedFrame(_, let peer), .versionMismatch(_, _, let peer),
            .unexpectedFrame(_, _, let peer), .unknownPeer(_, let peer), .unexpectedPeer(_, _, let peer),
            .badSignature(_, let peer), .keyExchangeFailed(let peer), .refusedByPeer(_, let peer),
            .handshakeTimeout(_, let peer), .decryptionFailed(let peer), .idleTimeout(_, let peer),
            .payloadTooLarge(_, _, let peer), .outboundQueueFull(_, _, let peer), .sessionNotEstablished(let peer),
            .cryptoUnavailable(_, let peer):
            peer
        }
    }

    /// Whether the transport closes the connection for this error (`false`
    /// only for errors that fail a single outbound write).
    public var closesConnection: Bool {
        switch reason {
        case .payloadTooLarge, .outboundQueueFull, .sessionNotEstablished: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit, let peer):
            "frame of \(length) bytes from \(peer) exceeds the limit of \(limit) bytes"
        case .malformedFrame(let reason, let peer):
            "malformed frame from \(peer): \(reason)"
        case .versionMismatch(let ours, let theirs, let peer):
            "protocol version mismatch with \(peer): we speak version \(ours), the peer sent version \(theirs)"
        case .unexpectedFrame(let type, let phase, let peer):
            "unexpected \(type) frame from \(peer) \(phase)"
        case .unknownPeer(let node, let peer):
            "refused \(peer): node \(node.hex) is not in the allow-list"
        case .unexpectedPeer(let expected, let actual, let peer):
            "refused \(peer): dialled node \(expected.hex) but the server is node \(actual.hex)"
        case .badSignature(let node, let peer):
            "refused \(peer): its handshake signature does not verify for node \(node.hex)"
        case .keyExchangeFailed(let peer):
            "refused \(peer): its ephemeral key-exchange public key is unusable"
        case .refusedByPeer(let reason, let peer):
            "\(peer) refused the handshake: \(reason)"
        case .handshakeTimeout(let after, let peer):
            "handshake with \(peer) did not complete within \(TransportError.format(after))"
        case .decryptionFailed(let peer):
            "encrypted frame from \(peer) failed authentication (tampered, reordered, replayed or foreign)"
        case .idleTimeout(let after, let peer):
            "nothing received from \(peer) for \(TransportError.format(after)); closing a presumed half-open connection"
        case .payloadTooLarge(let size, let limit, let peer):
            "payload of \(size) bytes for \(peer) exceeds the maximum of \(limit) bytes per frame"
        case .outboundQueueFull(let queued, let limit, let peer):
            "write to \(peer) refused: \(queued) bytes already queued, limit \(limit) bytes"
        case .sessionNotEstablished(let peer):
            "write to \(peer) refused: the handshake has not completed"
        case .cryptoUnavailable(let reason, let peer):
            "connection with \(peer) closed: cryptography unavailable: \(reason)"
        }
    }

    /// This error with any unknown detail of its peer filled in from `known`.
    func attributed(to known: TransportPeer) -> TransportError {
        let peer = self.peer.filling(from: known)
        switch self {
        case .frameTooLarge(let length, let limit, _): return .frameTooLarge(length: length, limit: limit, peer: peer)
        case .malformedFrame(let reason, _): return .malformedFrame(reason: reason, peer: peer)
        case .versionMismatch(let ours, let theirs, _): return .versionMismatch(ours: ours, theirs: theirs, peer: peer)
        case .unexpectedFrame(let type, let phase, _): return .unexpectedFrame(type: type, phase: phase, peer: peer)
        case .unknownPeer(let node, _): return .unknownPeer(node: node, peer: peer)
        case .unexpectedPeer(let expected, let actual, _):
            return .unexpectedPeer(expected: expected, actual: actual, peer: peer)
        case .badSignature(let node, _): return .badSignature(node: node, peer: peer)
        case .keyExchangeFailed: return .keyExchangeFailed(peer: peer)
        case .refusedByPeer(let reason, _): return .refusedByPeer(reason: reason, peer: peer)
        case .handshakeTimeout(let after, _): return .handshakeTimeout(after: after, peer: peer)
        case .decryptionFailed: return .decryptionFailed(peer: peer)
        case .idleTimeout(let after, _): return .idleTimeout(after: after, peer: peer)
        case .payloadTooLarge(let size, let limit, _): return .payloadTooLarge(size: size, limit: limit, peer: peer)
        case .outboundQueueFull(let queued, let limit, _):
            return .outboundQueueFull(queuedBytes: queued, limit: limit, peer: peer)
        case .sessionNotEstablished: return .sessionNotEstablished(peer: peer)
        case .cryptoUnavailable(let reason, _): return .cryptoUnavailable(reason: reason, peer: peer)
        }
    }

    private static func format(_ amount: TimeAmount) -> String {
        let nanoseconds = amount.nanoseconds
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000) s" }
        return "\(nanoseconds / 1_000_000) ms"
    }
}
