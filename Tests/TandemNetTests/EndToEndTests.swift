import NIOCore
import NIOEmbedded
import TandemCore
import TandemCrypto
import Testing
@testable import TandemNet
import TandemTestSupport

/// Two EmbeddedChannels passing bytes by hand, time advanced by hand.
@Suite("End to end over EmbeddedChannels")
struct EndToEndTests {
    /// Runs the handshake to completion.
    func established(_ configuration: TransportConfiguration = TransportConfiguration(maximumFrameLength: 4096)) throws -> BackToBack {
        let harness = try BackToBack(configuration: configuration)
        try harness.activate()
        try harness.interactInMemory()
        #expect(harness.clientRecorder.authenticated == [PeerAuthenticated(node: TestKeys.bob.nodeID)])
        #expect(harness.serverRecorder.authenticated == [PeerAuthenticated(node: TestKeys.alice.nodeID)])
        return harness
    }

    @Test("handshake succeeds, then payloads travel both ways in order")
    func successAndRoundtrip() throws {
        let harness = try established()
        #expect(harness.clientLog.authenticated == [PeerAuthenticated(node: TestKeys.bob.nodeID)])
        #expect(harness.serverLog.authenticated == [PeerAuthenticated(node: TestKeys.alice.nodeID)])
        harness.send(Array("from alice 1".utf8), from: .client)
        harness.send(Array("from alice 2".utf8), from: .client)
        harness.send([], from: .client)
        harness.send(Array("from bob".utf8), from: .server)
        try harness.interactInMemory()
        #expect(harness.serverRecorder.payloads == [Array("from alice 1".utf8), Array("from alice 2".utf8), []])
        #expect(harness.clientRecorder.payloads == [Array("from bob".utf8)])
        #expect(harness.client.isActive && harness.server.isActive)
        #expect(harness.clientRecorder.errors.isEmpty && harness.serverRecorder.errors.isEmpty)
    }

    @Test("the wire carries only the documented frames, and no payload in clear")
    func wireShape() throws {
        let harness = try BackToBack()
        try harness.activate()
        let hello = try harness.takeOutbound(from: .client)
        #expect(BackToBack.frameTypes(hello) == [.clientHello])
        #expect(hello.first?.readableBytes == 4 + 1 + 98)
        try harness.deliver(hello, to: .server)
        let reply = try harness.takeOutbound(from: .server)
        #expect(BackToBack.frameTypes(reply) == [.serverHello])
        #expect(reply.first?.readableBytes == 4 + 1 + 162)
        try harness.deliver(reply, to: .client)
        let secret = Array("the secret payload".utf8)
        harness.send(secret, from: .client)
        let finish = try harness.takeOutbound(from: .client)
        #expect(BackToBack.frameTypes(finish) == [.clientFinish, .streamHeader, .sealed])
        let sealed = finish[2].bytes
        #expect(!sealed.indices.contains { Array(sealed[$0...].prefix(secret.count)) == secret })
        try harness.deliver(finish, to: .server)
        #expect(BackToBack.frameTypes(try harness.takeOutbound(from: .server)) == [.streamHeader])
        #expect(harness.serverRecorder.payloads == [secret])
    }

    @Test("the handshake and payloads survive byte-at-a-time delivery")
    func dripFed() throws {
        let harness = try BackToBack()
        try harness.activate()
        try harness.interactInMemory(byteAtATime: true)
        harness.send([1, 2, 3], from: .server)
        harness.send([4, 5], from: .client)
        try harness.interactInMemory(byteAtATime: true)
        #expect(harness.clientRecorder.payloads == [[1, 2, 3]])
        #expect(harness.serverRecorder.payloads == [[4, 5]])
        #expect(harness.serverRecorder.authenticated.count == 1)
    }

    @Test("a client with an unknown key is refused once it proved its key, and hears why")
    func unknownClient() throws {
        let harness = try BackToBack(clientIdentity: TestKeys.mallory)
        try harness.activate()
        try harness.deliver(try harness.takeOutbound(from: .client), to: .server)
        // The server answers as it answers anyone: it cannot tell yet.
        let reply = try harness.takeOutbound(from: .server)
        #expect(BackToBack.frameTypes(reply) == [.serverHello])
        try harness.deliver(reply, to: .client)
        let finish = try harness.takeOutbound(from: .client)
        #expect(BackToBack.frameTypes(finish) == [.clientFinish, .streamHeader])
        try harness.deliver(finish, to: .server)
        let refusal = try harness.takeOutbound(from: .server)
        #expect(BackToBack.frameTypes(refusal) == [.refusal])  // no StreamHeader: nothing encrypted
        #expect(!harness.server.isActive)
        let serverError = try #require(harness.serverRecorder.transportErrors.first)
        #expect(serverError.reason == .unknownPeer)
        #expect(serverError.description.contains(TestKeys.mallory.nodeID.hex))
        #expect(serverError.description.contains("127.0.0.1:50000"))
        #expect(harness.serverLog.rejected == [serverError])
        #expect(harness.serverRecorder.authenticated.isEmpty)
        #expect(harness.serverRecorder.payloads.isEmpty)

        try harness.deliver(refusal, to: .client)
        let clientError = try #require(harness.clientRecorder.transportErrors.first)
        #expect(clientError == .refusedByPeer(reason: .unknownPeer, peer: TransportPeer(address: BackToBack.serverAddress, node: TestKeys.bob.nodeID)))
        #expect(!harness.client.isActive)
        #expect(harness.clientLog.rejected.map(\.reason) == [.refusedByPeer])
    }

    @Test("a server that is not the expected peer is refused by the client")
    func unexpectedServer() throws {
        let harness = try BackToBack(
            serverIdentity: TestKeys.carol,
            clientAllowList: [TestKeys.bob, TestKeys.carol],
            expectedPeer: TestKeys.bob
        )
        try harness.activate()
        try harness.interactInMemory()
        let error = try #require(harness.clientRecorder.transportErrors.first)
        #expect(error == .unexpectedPeer(expected: TestKeys.bob.nodeID, actual: TestKeys.carol.nodeID, peer: TransportPeer(address: BackToBack.serverAddress, node: TestKeys.carol.nodeID)))
        #expect(harness.clientRecorder.authenticated.isEmpty)
        #expect(harness.serverRecorder.transportErrors.first?.reason == .refusedByPeer)
        #expect(!harness.client.isActive && !harness.server.isActive)
    }

    @Test("a server outside the client's allow-list is refused")
    func unknownServer() throws {
        let harness = try BackToBack(serverIdentity: TestKeys.carol, expectedPeer: nil)
        try harness.activate()
        try harness.interactInMemory()
        #expect(harness.clientRecorder.transportErrors.first?.reason == .unknownPeer)
        #expect(harness.serverRecorder.transportErrors.first == .refusedByPeer(reason: .unknownPeer, peer: TransportPeer(address: BackToBack.clientAddress, node: TestKeys.alice.nodeID)))
    }

    @Test("a signature altered in transit is refused", arguments: [Side.server, Side.client])
    func badSignature(tamperedSender: Side) throws {
        let harness = try BackToBack()
        try harness.activate()
        try harness.deliver(try harness.takeOutbound(from: .client), to: .server)
        var reply = try harness.takeOutbound(from: .server)
        if tamperedSender == .server {
            flipLastByte(&reply[0])  // the last byte of ServerHello's signature
        }
        try harness.deliver(reply, to: .client)
        var finish = try harness.takeOutbound(from: .client)
        if tamperedSender == .client {
            flipLastByte(&finish[0])  // the last byte of ClientFinish's signature
        }
        try harness.deliver(finish, to: .server)
        try harness.interactInMemory()
        let victim: Side = tamperedSender == .server ? .client : .server
        let error = try #require(harness.recorder(victim).transportErrors.first)
        #expect(error.reason == .badSignature)
        #expect(!harness.channel(victim).isActive)
        #expect(harness.recorder(.server).authenticated.isEmpty)
        #expect(harness.recorder(.server).payloads.isEmpty)
    }

    @Test("a peer speaking another protocol version is told so and refused")
    func wrongVersion() throws {
        let harness = try BackToBack()
        try harness.activate()
        var hello = try harness.takeOutbound(from: .client)
        hello[0].setInteger(UInt8(2), at: hello[0].readerIndex + 4)
        try harness.deliver(hello, to: .server)
        let serverError = try #require(harness.serverRecorder.transportErrors.first)
        #expect(serverError == .versionMismatch(ours: 1, theirs: 2, peer: TransportPeer(address: BackToBack.clientAddress, node: nil)))
        #expect(serverError.description.contains("version 1") && serverError.description.contains("version 2"))
        #expect(!harness.server.isActive)
        // The server's refusal tells the client why.
        try harness.deliver(try harness.takeOutbound(from: .server), to: .client)
        #expect(harness.clientRecorder.transportErrors.first?.reason == .refusedByPeer)
    }

    @Test("a frame over the limit closes the connection, before and after the handshake")
    func oversized() throws {
        let early = try BackToBack()
        try early.activate()
        try early.deliver([rawFrame(length: 2048, type: 0x01)], to: .server)  // 1024 before authentication
        #expect(early.serverRecorder.transportErrors.first == .frameTooLarge(length: 2048, limit: 1024, peer: TransportPeer(address: BackToBack.clientAddress, node: nil)))
        #expect(!early.server.isActive)

        let harness = try established()
        try harness.deliver([rawFrame(length: 4097, type: 0x11)], to: .client)
        #expect(harness.clientRecorder.transportErrors.first == .frameTooLarge(length: 4097, limit: 4096, peer: TransportPeer(address: BackToBack.serverAddress, node: TestKeys.bob.nodeID)))
        #expect(!harness.client.isActive)
        #expect(harness.clientLog.rejected.map(\.reason) == [.frameTooLarge])
    }

    @Test("garbled and zero-length frames close the connection", arguments: [
        [0x00, 0x00, 0x00, 0x00],  // zero length
        [0x00, 0x00, 0x00, 0x03, 0x01, 0xEE, 0xFF],  // unknown type
        [0x00, 0x00, 0x00, 0x05, 0x01, 0x01, 0x01, 0x02, 0x03],  // a truncated ClientHello
        [0x47, 0x45, 0x54, 0x20, 0x2F, 0x20, 0x48, 0x54, 0x54, 0x50],  // "GET / HTTP"
    ] as [[UInt8]])
    func garbled(bytes: [UInt8]) throws {
        let harness = try BackToBack()
        try harness.activate()
        try harness.deliver([ByteBuffer(bytes)], to: .server)
        let error = try #require(harness.serverRecorder.transportErrors.first)
        #expect([.malformedFrame, .unexpectedFrame, .frameTooLarge].contains(error.reason))
        #expect(!harness.server.isActive)
        #expect(harness.serverLog.rejected.count == 1)
    }

    @Test("a tampered encrypted frame fails decryption and closes the connection")
    func tamperedSealed() throws {
        let harness = try established()
        harness.send(Array("genuine".utf8), from: .client)
        var frames = try harness.takeOutbound(from: .client)
        #expect(BackToBack.frameTypes(frames) == [.sealed])
        flipLastByte(&frames[0])
        try harness.deliver(frames, to: .server)
        #expect(harness.serverRecorder.transportErrors.first == .decryptionFailed(peer: TransportPeer(address: BackToBack.clientAddress, node: TestKeys.alice.nodeID)))
        #expect(harness.serverRecorder.payloads.isEmpty)
        #expect(!harness.server.isActive)
    }

    @Test("reordered and replayed encrypted frames fail decryption")
    func reorderedSealed() throws {
        let harness = try established()
        harness.send([1], from: .server)
        harness.send([2], from: .server)
        let frames = try harness.takeOutbound(from: .server)
        try harness.deliver([frames[1], frames[0]], to: .client)
        #expect(harness.clientRecorder.transportErrors.first?.reason == .decryptionFailed)
        #expect(harness.clientRecorder.payloads.isEmpty)

        let replay = try established()
        replay.send([1], from: .server)
        let first = try replay.takeOutbound(from: .server)
        try replay.deliver(first + first, to: .client)
        #expect(replay.clientRecorder.payloads == [[1]])
        #expect(replay.clientRecorder.transportErrors.first?.reason == .decryptionFailed)
    }

    @Test("a plaintext handshake frame injected into the session is refused")
    func injectedPlaintext() throws {
        let harness = try established()
        try harness.deliver([rawFrame(type: 0x04, payload: [1])], to: .client)
        #expect(harness.clientRecorder.transportErrors.first?.reason == .unexpectedFrame)
        #expect(!harness.client.isActive)
    }

    @Test("a stalled handshake times out after the configured time, not before")
    func handshakeTimeout() throws {
        let harness = try BackToBack()
        try harness.activate()
        _ = try harness.takeOutbound(from: .client)  // the server never hears it
        harness.advanceTime(by: .milliseconds(4999))
        #expect(harness.client.isActive && harness.server.isActive)
        harness.advanceTime(by: .milliseconds(1))
        #expect(harness.clientRecorder.transportErrors.first == .handshakeTimeout(after: .seconds(5), peer: TransportPeer(address: BackToBack.serverAddress, node: TestKeys.bob.nodeID)))
        #expect(harness.serverRecorder.transportErrors.first?.reason == .handshakeTimeout)
        #expect(!harness.client.isActive && !harness.server.isActive)
        #expect(harness.clientLog.rejected.map(\.reason) == [.handshakeTimeout])
    }

    @Test("a completed handshake is not timed out later")
    func noTimeoutAfterHandshake() throws {
        let harness = try established()
        harness.advanceTime(by: .seconds(4))
        try harness.interactInMemory()
        harness.advanceTime(by: .seconds(4))
        try harness.interactInMemory()
        #expect(harness.client.isActive && harness.server.isActive)
        #expect(harness.clientRecorder.errors.isEmpty && harness.serverRecorder.errors.isEmpty)
    }

    @Test("a silent peer after the handshake is closed at the idle timeout")
    func idleTimeout() throws {
        let harness = try established()
        // From now on nothing is delivered: a half-open connection.
        harness.advanceTime(by: .milliseconds(4999))
        #expect(harness.client.isActive && harness.server.isActive)
        harness.advanceTime(by: .milliseconds(1))
        #expect(harness.clientRecorder.transportErrors.first == .idleTimeout(after: .seconds(5), peer: TransportPeer(address: BackToBack.serverAddress, node: TestKeys.bob.nodeID)))
        #expect(harness.serverRecorder.transportErrors.first?.reason == .idleTimeout)
        #expect(!harness.client.isActive && !harness.server.isActive)
    }

    @Test("heartbeats keep an idle but live connection open")
    func heartbeats() throws {
        let harness = try established()
        var keepalives = 0
        for _ in 0..<60 {  // 30 seconds in 500 ms steps, no application data
            harness.advanceTime(by: .milliseconds(500))
            let fromClient = try harness.takeOutbound(from: .client)
            let fromServer = try harness.takeOutbound(from: .server)
            keepalives += fromClient.count + fromServer.count
            try harness.deliver(fromClient, to: .server)
            try harness.deliver(fromServer, to: .client)
        }
        #expect(harness.client.isActive && harness.server.isActive)
        #expect(harness.clientRecorder.errors.isEmpty && harness.serverRecorder.errors.isEmpty)
        #expect(harness.clientRecorder.payloads.isEmpty && harness.serverRecorder.payloads.isEmpty)
        #expect(keepalives >= 2 * 25)  // about one per side per second
    }

    @Test("data traffic counts as liveness, and a peer that stops is still caught")
    func dataKeepsAlive() throws {
        let harness = try established()
        for step in 0..<20 {
            harness.advanceTime(by: .milliseconds(400))
            harness.send([UInt8(step)], from: .client)
            try harness.interactInMemory()
        }
        #expect(harness.server.isActive && harness.serverRecorder.payloads.count == 20)
        harness.advanceTime(by: .seconds(6))
        #expect(!harness.server.isActive && !harness.client.isActive)
    }

    @Test("writes that cannot be sent fail alone and leave the connection open")
    func failedWrites() throws {
        let before = try BackToBack()
        try before.activate()
        let early = before.send([1], from: .client)
        #expect(throws: TransportError.self) { try early.wait() }
        #expect(before.client.isActive)

        var configuration = TransportConfiguration(maximumFrameLength: 4096, maximumQueuedOutboundBytes: 1000)
        configuration.heartbeatInterval = .seconds(1)
        let harness = try established(configuration)
        #expect(configuration.maximumPayloadSize == 4076)
        let tooBig = harness.send(Array(repeating: 0, count: 4077), from: .client)
        let error = #expect(throws: TransportError.self) { try tooBig.wait() }
        #expect(error?.reason == .payloadTooLarge)
        // Unflushed writes count against the queue limit until the socket takes them.
        let first = harness.client.write(ByteBuffer(Array(repeating: 1, count: 400)))
        let second = harness.client.write(ByteBuffer(Array(repeating: 2, count: 400)))
        let third = harness.client.write(ByteBuffer(Array(repeating: 3, count: 400)))
        #expect(throws: TransportError.self) { try third.wait() }
        harness.client.flush()
        try first.wait()
        try second.wait()
        harness.send(Array(repeating: 4, count: 400), from: .client)
        try harness.interactInMemory()
        #expect(harness.serverRecorder.payloads.map(\.first) == [1, 2, 4])
        #expect(harness.client.isActive && harness.server.isActive)
        #expect(harness.clientLog.rejected.isEmpty)
    }

    @Test("a payload of the maximum size goes through")
    func maximumPayload() throws {
        let harness = try established()
        let payload = (0..<4076).map { UInt8(truncatingIfNeeded: $0) }
        harness.send(payload, from: .server)
        try harness.interactInMemory()
        #expect(harness.clientRecorder.payloads == [payload])
    }

    private func flipLastByte(_ buffer: inout ByteBuffer) {
        let index = buffer.writerIndex - 1
        if let byte = buffer.getInteger(at: index, as: UInt8.self) {
            buffer.setInteger(byte ^ 0x01, at: index)
        }
    }
}
