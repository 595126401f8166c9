public import NIOCore

/// Splits a byte stream into ``Frame``s, with an explicit size limit.
///
/// Guarantees:
/// - The length field is checked against ``maximumLength`` as soon as its 4
///   bytes are present, and the version as soon as its byte is present:
///   neither waits for (or allocates) the body of a frame that will be
///   refused.
/// - Incomplete input consumes nothing and returns `nil`; a complete frame is
///   consumed exactly, so feeding the same bytes in any split (one byte at a
///   time, or many frames at once) yields the same frames.
/// - Invalid input throws ``TransportError`` (`frameTooLarge`,
///   `malformedFrame`, `versionMismatch`) with an unknown peer, for the
///   caller to attribute; it never traps.
///
/// Like swift-nio-ssh's `SSHPacketParser`, it is a plain value with no I/O;
/// ``FrameDecoder`` wraps it for a channel pipeline.
public struct FrameParser: Sendable {
    /// The largest length field accepted.
    public var maximumLength: Int

    /// A parser refusing frames whose length field exceeds `maximumLength`.
    ///
    /// - Precondition: `maximumLength >= Frame.minimumLength`.
    public init(maximumLength: Int = Frame.defaultMaximumLength) {
        precondition(maximumLength >= Frame.minimumLength, "a frame limit must admit a version and a type byte")
        self.maximumLength = maximumLength
    }

    /// Removes and returns the first complete frame in `buffer`, or returns
    /// `nil` (consuming nothing) when the frame is not complete yet.
    ///
    /// - Throws: ``TransportError/frameTooLarge(length:limit:peer:)``,
    ///   ``TransportError/malformedFrame(reason:peer:)`` for a length field
    ///   below 2, ``TransportError/versionMismatch(ours:theirs:peer:)``.
    public func nextFrame(from buffer: inout ByteBuffer) throws(TransportError) -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return nil
        }
        // Compare as UInt64 so a length near UInt32.max cannot overflow Int on
        // 32-bit platforms.
        guard UInt64(length) <= UInt64(maximumLength) else {
            throw TransportError.frameTooLarge(length: Int(length), limit: maximumLength, peer: .unknown)
        }
        guard length >= Frame.minimumLength else {
            throw TransportError.malformedFrame(
                reason: "length field \(length) is below the minimum of \(Frame.minimumLength) (version and type bytes)",
                peer: .unknown
            )
        }
        guard let version = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self) else {
            return nil
        }
        guard version == Frame.protocolVersion else {
            throw TransportError.versionMismatch(ours: Frame.protocolVersion, theirs: version, peer: .unknown)
        }
        guard buffer.readableBytes >= 4 + Int(length) else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: Frame.headerByteCount)
        guard let typeByte = buffer.readInteger(as: UInt8.self),
            let payload = buffer.readSlice(length: Int(length) - Frame.minimumLength)
        else {
            // Unreachable: the readable byte count was checked above.
            throw TransportError.malformedFrame(reason: "frame shorter than its length field", peer: .unknown)
        }
        return Frame(type: FrameType(rawValue: typeByte), payload: payload)
    }
}
