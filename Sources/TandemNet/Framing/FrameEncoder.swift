public import NIOCore

/// Writes outbound ``Frame``s as bytes: length, version, type, payload.
///
/// Guarantees: every frame is written with ``Frame/protocolVersion`` and a
/// length field equal to ``Frame/encodedLength``; a frame longer than
/// ``maximumLength`` (which the session handler never produces) fails its
/// write with ``TransportError/frameTooLarge(length:limit:peer:)`` instead of
/// sending something the peer would refuse.
///
/// Install it as `MessageToByteHandler(FrameEncoder(...))`.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    /// The largest length field this encoder writes.
    public let maximumLength: Int

    /// An encoder for frames up to `maximumLength` bytes.
    public init(maximumLength: Int = Frame.defaultMaximumLength) {
        self.maximumLength = maximumLength
    }

    public func encode(data: Frame, out: inout ByteBuffer) throws {
        let length = data.encodedLength
        guard length <= maximumLength, length <= Int(UInt32.max) else {
            throw TransportError.frameTooLarge(length: length, limit: maximumLength, peer: .unknown)
        }
        out.reserveCapacity(4 + length)
        out.writeInteger(UInt32(length), endianness: .big)
        out.writeInteger(Frame.protocolVersion)
        out.writeInteger(data.type.rawValue)
        var payload = data.payload
        out.writeBuffer(&payload)
    }
}
