public import NIOCore

/// One transport frame: a type and the bytes after it.
///
/// On the wire a frame is a 4-byte big-endian length, a 1-byte protocol
/// version and a body; the body's first byte is the ``FrameType`` and the
/// rest is ``payload``. The length counts the version byte and the body, so
/// it is always at least 2. See docs/protocol.md, "Transport".
///
/// Guarantees: a `Frame` holds no version (every frame this module produces
/// carries ``protocolVersion``; the parser refuses any other), and
/// ``encodedLength`` is exactly the value its length field will hold.
public struct Frame: Hashable, Sendable {
    /// The protocol version every frame carries.
    public static let protocolVersion: UInt8 = 1
    /// The bytes before the body: the length field and the version byte.
    public static let headerByteCount = 5
    /// The smallest valid length field: a version byte and a type byte.
    public static let minimumLength = 2
    /// The default maximum length field: 16 MiB.
    public static let defaultMaximumLength = 16 * 1024 * 1024

    /// What the frame carries.
    public var type: FrameType
    /// The body after the type byte.
    public var payload: ByteBuffer

    /// Creates a frame.
    public init(type: FrameType, payload: ByteBuffer) {
        self.type = type
        self.payload = payload
    }

    /// The value of this frame's length field: version, type and payload.
    public var encodedLength: Int { 2 + payload.readableBytes }
}
