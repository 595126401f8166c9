import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing
@testable import TandemNet

@Suite("Frame parser, decoder and encoder")
struct FrameParserTests {
    let parser = FrameParser(maximumLength: 64)

    @Test("a complete frame is parsed and consumed exactly")
    func oneFrame() throws {
        var buffer = rawFrame(type: 0x11, payload: [1, 2, 3])
        buffer.writeBytes([0xAA])  // the start of the next frame
        let frame = try #require(try parser.nextFrame(from: &buffer))
        #expect(frame.type == .sealed)
        #expect(frame.payload.bytes == [1, 2, 3])
        #expect(buffer.bytes == [0xAA])
    }

    @Test("byte-at-a-time feeding yields the frame only at its last byte")
    func dripFeed() throws {
        let whole = rawFrame(type: 0x10, payload: Array(0..<24))
        var buffer = ByteBuffer()
        var frames: [Frame] = []
        for (index, byte) in whole.readableBytesView.enumerated() {
            buffer.writeInteger(byte)
            if let frame = try parser.nextFrame(from: &buffer) {
                #expect(index == whole.readableBytes - 1)
                frames.append(frame)
            }
        }
        #expect(frames == [Frame(type: .streamHeader, payload: ByteBuffer(Array(0..<24)))])
        #expect(buffer.readableBytes == 0)
    }

    @Test("several frames in one buffer come out in order")
    func manyFrames() throws {
        var buffer = rawFrame(type: 1, payload: [1])
        var second = rawFrame(type: 2, payload: [])
        var third = rawFrame(type: 3, payload: [3, 3])
        buffer.writeBuffer(&second)
        buffer.writeBuffer(&third)
        var types: [UInt8] = []
        while let frame = try parser.nextFrame(from: &buffer) {
            types.append(frame.type.rawValue)
        }
        #expect(types == [1, 2, 3])
    }

    @Test("an oversized length is refused from its 4 bytes alone, before any body arrives")
    func tooLarge() {
        var buffer = ByteBuffer([0x00, 0x00, 0x00, 65])
        #expect(throws: TransportError.frameTooLarge(length: 65, limit: 64, peer: .unknown)) {
            try parser.nextFrame(from: &buffer)
        }
        var huge = ByteBuffer([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: TransportError.frameTooLarge(length: Int(UInt32.max), limit: 64, peer: .unknown)) {
            try parser.nextFrame(from: &huge)
        }
    }

    @Test("a frame exactly at the limit is accepted")
    func atLimit() throws {
        var buffer = rawFrame(type: 0x11, payload: Array(repeating: 7, count: 62))
        #expect(try parser.nextFrame(from: &buffer)?.encodedLength == 64)
    }

    @Test("length fields 0 and 1 are malformed", arguments: [UInt32(0), 1])
    func tooShort(length: UInt32) {
        var buffer = ByteBuffer()
        buffer.writeInteger(length, endianness: .big)
        let error = #expect(throws: TransportError.self) { try parser.nextFrame(from: &buffer) }
        #expect(error?.reason == .malformedFrame)
    }

    @Test("a wrong version is refused at its byte, naming both versions")
    func wrongVersion() {
        var buffer = ByteBuffer([0x00, 0x00, 0x10, 0x00, 0x02])  // the body has not arrived
        let error = #expect(throws: TransportError.self) {
            try FrameParser(maximumLength: 1 << 20).nextFrame(from: &buffer)
        }
        #expect(error == .versionMismatch(ours: 1, theirs: 2, peer: .unknown))
        #expect(error?.description.contains("we speak version 1, the peer sent version 2") == true)
    }

    @Test("ByteToMessageDecoderVerifier: drip feeding, batching and leftovers")
    func verifier() throws {
        let pairs: [(ByteBuffer, [Frame])] = [
            (rawFrame(type: 0x01, payload: Array(repeating: 9, count: 97)),
             [Frame(type: .clientHello, payload: ByteBuffer(Array(repeating: 9, count: 97)))]),
            (rawFrame(type: 0x11, payload: []), [Frame(type: .sealed, payload: ByteBuffer())]),
            (rawFrame(type: 0x04, payload: [1]), [Frame(type: .refusal, payload: ByteBuffer([1]))]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { FrameDecoder() }
    }

    @Test("the decoder holds unauthenticated peers to the handshake limit, then lifts it")
    func handshakeLimit() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maximumLength: 4096)))
        try channel.connect(to: BackToBack.clientAddress).wait()
        let big = rawFrame(type: 0x11, payload: Array(repeating: 0, count: 2000))
        // Before we send our StreamHeader the limit is 1024 ...
        let probe = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maximumLength: 4096)))
        try probe.connect(to: BackToBack.clientAddress).wait()
        let error = #expect(throws: TransportError.self) { try probe.writeInbound(big) }
        #expect(error?.reason == .frameTooLarge)
        #expect(error?.description.contains("127.0.0.1:50000") == true)
        // ... and after it, the configured maximum.
        try channel.writeOutbound(Frame(type: .streamHeader, payload: ByteBuffer(Array(repeating: 0, count: 24))))
        try channel.writeInbound(big)
        #expect(try channel.readInbound(as: Frame.self)?.payload.readableBytes == 2000)
        _ = try channel.finish(acceptAlreadyClosed: true)
        _ = try probe.finish(acceptAlreadyClosed: true)
    }

    @Test("encoding then parsing gives the frame back")
    func encoderRoundtrip() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(FrameEncoder(maximumLength: 64)))
        let frame = Frame(type: .sealed, payload: ByteBuffer([5, 6, 7]))
        try channel.writeOutbound(frame)
        var bytes = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(bytes.bytes == [0, 0, 0, 5, 1, 0x11, 5, 6, 7])
        #expect(try parser.nextFrame(from: &bytes) == frame)
        _ = try channel.finish()
    }

    @Test("the encoder refuses a frame over its limit instead of sending it")
    func encoderLimit() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(FrameEncoder(maximumLength: 64)))
        let error = #expect(throws: TransportError.self) {
            try channel.writeOutbound(Frame(type: .sealed, payload: ByteBuffer(Array(repeating: 0, count: 63))))
        }
        #expect(error?.reason == .frameTooLarge)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}
