import NIOCore
import TandemCore
import TandemCrypto

/// The four plaintext messages of the handshake, as carried in frames.
///
/// Guarantees: ``init(frame:)`` accepts only the exact sizes of
/// docs/protocol.md and throws a typed ``TransportError`` for anything else
/// (a non-handshake type is ``TransportError/unexpectedFrame(type:phase:peer:)``);
/// ``frame(allocator:)`` produces those same bytes, so parsing an encoded
/// message gives it back.
enum HandshakeMessage: Hashable, Sendable {
    /// The client's hello (type 0x01, 98-byte body).
    case clientHello(Hello)
    /// The server's hello and its signature over the transcript (type 0x02,
    /// 162-byte body).
    case serverHello(Hello, signature: [UInt8])
    /// The client's signature over the transcript (type 0x03, 65-byte body).
    case clientFinish(signature: [UInt8])
    /// Either side's refusal (type 0x04, 2-byte body).
    case refusal(RefusalReason)

    /// Parses a handshake frame.
    ///
    /// - Throws: ``TransportError/malformedFrame(reason:peer:)`` for a wrong
    ///   size, ``TransportError/versionMismatch(ours:theirs:peer:)`` for a
    ///   hello of another version, ``TransportError/unexpectedFrame(type:phase:peer:)``
    ///   for a frame that is not a handshake message.
    init(frame: Frame) throws(TransportError) {
        let fields = ArraySlice(frame.payload.readableBytesView)
        switch frame.type {
        case .clientHello:
            self = .clientHello(try Hello.parse(fields, type: .clientHello))
        case .serverHello:
            let expected = Hello.byteCount - 1 + SignatureVerifier.signatureByteCount
            guard fields.count == expected else {
                throw TransportError.malformedFrame(
                    reason: "\(frame.type) fields must be \(expected) bytes, got \(fields.count)",
                    peer: .unknown
                )
            }
            let signatureStart = fields.endIndex - SignatureVerifier.signatureByteCount
            let hello = try Hello.parse(fields[fields.startIndex..<signatureStart], type: .serverHello)
            self = .serverHello(hello, signature: Array(fields[signatureStart...]))
        case .clientFinish:
            guard fields.count == SignatureVerifier.signatureByteCount else {
                throw TransportError.malformedFrame(
                    reason: "\(frame.type) fields must be \(SignatureVerifier.signatureByteCount) bytes, got \(fields.count)",
                    peer: .unknown
                )
            }
            self = .clientFinish(signature: Array(fields))
        case .refusal:
            guard fields.count == 1, let code = fields.first else {
                throw TransportError.malformedFrame(
                    reason: "\(frame.type) fields must be 1 byte, got \(fields.count)",
                    peer: .unknown
                )
            }
            self = .refusal(RefusalReason(rawValue: code))
        default:
            throw TransportError.unexpectedFrame(type: frame.type, phase: "during the handshake", peer: .unknown)
        }
    }

    /// The frame type of this message.
    var type: FrameType {
        switch self {
        case .clientHello: .clientHello
        case .serverHello: .serverHello
        case .clientFinish: .clientFinish
        case .refusal: .refusal
        }
    }

    /// The message's body after the type byte.
    var payloadBytes: [UInt8] {
        switch self {
        case .clientHello(let hello):
            Array(hello.bytes(type: .clientHello).dropFirst())
        case .serverHello(let hello, let signature):
            Array(hello.bytes(type: .serverHello).dropFirst()) + signature
        case .clientFinish(let signature):
            signature
        case .refusal(let reason):
            [reason.rawValue]
        }
    }

    /// The message as a frame.
    func frame(allocator: ByteBufferAllocator) -> Frame {
        let bytes = payloadBytes
        var payload = allocator.buffer(capacity: bytes.count)
        payload.writeBytes(bytes)
        return Frame(type: type, payload: payload)
    }
}
