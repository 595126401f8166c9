import NIOCore
import TandemCore
import TandemCrypto
import Testing
@testable import TandemNet
import TandemTestSupport

@Suite("Handshake state machine (pure, deterministic)")
struct HandshakeStateMachineTests {
    typealias Action = HandshakeStateMachine.Action

    func client(allow: [NodeKeyPair] = [TestKeys.bob], expecting: NodeKeyPair? = TestKeys.bob) throws -> HandshakeStateMachine {
        HandshakeStateMachine(role: .client, parameters: try parameters(TestKeys.alice, allow: allow, expecting: expecting, seed: 0xC1))
    }

    func server(identity: NodeKeyPair = TestKeys.bob, allow: [NodeKeyPair] = [TestKeys.alice]) throws -> HandshakeStateMachine {
        HandshakeStateMachine(role: .server, parameters: try parameters(identity, allow: allow, seed: 0x5E))
    }

    func frame(_ message: HandshakeMessage) -> Frame {
        message.frame(allocator: ByteBufferAllocator())
    }

    func sentMessage(_ action: Action) throws -> HandshakeMessage {
        guard case .send(let message) = action else {
            Issue.record("expected a send, got \(action)")
            throw TransportError.malformedFrame(reason: "test", peer: .unknown)
        }
        return message
    }

    @Test("the client's hello carries its identity and injected randomness, identically each run")
    func deterministicHello() throws {
        var first = try client()
        var second = try client()
        let hello = try sentMessage(first.start())
        #expect(try sentMessage(second.start()) == hello)
        guard case .clientHello(let fields) = hello else { throw TransportError.sessionNotEstablished(peer: .unknown) }
        #expect(fields.node == TestKeys.alice.nodeID)
        #expect(fields.challenge == Array(repeating: 0xC1, count: 32))
        #expect(fields.ephemeralPublicKey == (try KeyExchange(seed: Array(repeating: 0xC1, count: 32))).publicKey)
    }

    @Test("a full exchange completes on both sides with crossed keys and one transcript")
    func success() throws {
        var client = try client()
        var server = try server()
        let hello = try sentMessage(client.start())
        #expect(server.start() == .none)
        let reply = try sentMessage(server.receivedFrame(frame(hello)))
        guard case .complete(let finish?, let clientOutcome) = client.receivedFrame(frame(reply)) else {
            Issue.record("client did not complete")
            return
        }
        guard case .complete(nil, let serverOutcome) = server.receivedFrame(frame(finish)) else {
            Issue.record("server did not complete")
            return
        }
        #expect(clientOutcome.peer == TestKeys.bob.nodeID)
        #expect(serverOutcome.peer == TestKeys.alice.nodeID)
        #expect(clientOutcome.transcriptHash == serverOutcome.transcriptHash)
        #expect(clientOutcome.keys.transmit == serverOutcome.keys.receive)
        #expect(clientOutcome.keys.receive == serverOutcome.keys.transmit)
        #expect(client.isEstablished && server.isEstablished)
        // Afterwards frames belong to the session, and the timer is moot.
        let sealed = Frame(type: .sealed, payload: ByteBuffer([1]))
        #expect(server.receivedFrame(sealed) == .forward(sealed))
        #expect(client.timedOut(after: .seconds(5)) == .none)
    }

    @Test("the server refuses an unknown client only after it proved its key")
    func unknownClient() throws {
        var client = try client()
        var server = try server(allow: [TestKeys.carol])
        let reply = try sentMessage(server.receivedFrame(frame(try sentMessage(client.start()))))
        guard case .serverHello(let hello, _) = reply else {
            Issue.record("expected a ServerHello, got \(reply)")
            return
        }
        #expect(hello.node == TestKeys.bob.nodeID)
        guard case .complete(let finish?, _) = client.receivedFrame(frame(reply)) else {
            Issue.record("the client did not complete its side")
            return
        }
        let action = server.receivedFrame(frame(finish))
        #expect(
            action
                == .fail(
                    .unknownPeer(node: TestKeys.alice.nodeID, peer: TransportPeer(address: nil, node: TestKeys.alice.nodeID)),
                    refusal: .unknownPeer
                )
        )
        #expect(!server.isEstablished)
        #expect(server.receivedFrame(frame(.clientFinish(signature: Array(repeating: 0, count: 64)))) == .none)
    }

    @Test("without the key, claiming an allow-listed id and an unknown id get the same answers")
    func noAllowListOracle() throws {
        // Alice is allow-listed, Mallory is not; the prober holds neither key.
        var answers: [(reply: HandshakeMessage, finish: Action)] = []
        for claimed in [TestKeys.alice, TestKeys.mallory] {
            var server = try server(allow: [TestKeys.alice])
            let hello = Hello(
                node: claimed.nodeID,
                challenge: Array(repeating: 0x77, count: Hello.challengeByteCount),
                ephemeralPublicKey: try KeyExchange(seed: Array(repeating: 0x77, count: KeyExchange.seedByteCount)).publicKey
            )
            let reply = try sentMessage(server.receivedFrame(frame(.clientHello(hello))))
            let forged = HandshakeMessage.clientFinish(signature: TestKeys.carol.sign(Array("not the transcript".utf8)))
            answers.append((reply, server.receivedFrame(frame(forged))))
        }
        let (known, unknown) = (answers[0], answers[1])
        guard case .serverHello(let knownHello, _) = known.reply, case .serverHello(let unknownHello, _) = unknown.reply else {
            Issue.record("expected a ServerHello to both, got \(known.reply) and \(unknown.reply)")
            return
        }
        // The same hello (the signature covers each prober's own hello).
        #expect(knownHello == unknownHello)
        #expect(known.finish == .fail(.badSignature(node: TestKeys.alice.nodeID, peer: TransportPeer(address: nil, node: TestKeys.alice.nodeID)), refusal: .badSignature))
        #expect(unknown.finish == .fail(.badSignature(node: TestKeys.mallory.nodeID, peer: TransportPeer(address: nil, node: TestKeys.mallory.nodeID)), refusal: .badSignature))
    }

    @Test("the client refuses a server outside its allow-list, and one it did not dial")
    func wrongServer() throws {
        // Carol answers; Alice knows only Bob.
        var alice = try client(allow: [TestKeys.bob])
        var carol = try server(identity: TestKeys.carol)
        var reply = try sentMessage(carol.receivedFrame(frame(try sentMessage(alice.start()))))
        guard case .fail(let error, .unknownPeer?) = alice.receivedFrame(frame(reply)) else {
            Issue.record("expected unknownPeer")
            return
        }
        #expect(error.reason == .unknownPeer)

        // Carol is allow-listed but Alice dialled Bob.
        alice = try client(allow: [TestKeys.bob, TestKeys.carol], expecting: TestKeys.bob)
        carol = try server(identity: TestKeys.carol)
        reply = try sentMessage(carol.receivedFrame(frame(try sentMessage(alice.start()))))
        guard case .fail(let error, .unexpectedPeer?) = alice.receivedFrame(frame(reply)) else {
            Issue.record("expected unexpectedPeer")
            return
        }
        #expect(error == .unexpectedPeer(expected: TestKeys.bob.nodeID, actual: TestKeys.carol.nodeID, peer: error.peer))
        #expect(error.description.contains(TestKeys.bob.nodeID.hex))
    }

    @Test("a tampered server signature is refused")
    func badServerSignature() throws {
        var client = try client()
        var server = try server()
        let reply = try sentMessage(server.receivedFrame(frame(try sentMessage(client.start()))))
        guard case .serverHello(let hello, var signature) = reply else { return }
        signature[10] ^= 0x01
        let action = client.receivedFrame(frame(.serverHello(hello, signature: signature)))
        guard case .fail(let error, .badSignature?) = action else {
            Issue.record("expected badSignature, got \(action)")
            return
        }
        #expect(error.reason == .badSignature)
    }

    @Test("a server hello replayed from another connection does not verify")
    func replayedServerHello() throws {
        // Bob answered a hello with another challenge; Alice's hello now is fresh.
        var earlierClient = HandshakeStateMachine(role: .client, parameters: try parameters(TestKeys.alice, allow: [TestKeys.bob], expecting: TestKeys.bob, seed: 0x01))
        var server = try server()
        let oldReply = try sentMessage(server.receivedFrame(frame(try sentMessage(earlierClient.start()))))
        var client = try client()
        _ = client.start()
        guard case .fail(let error, _) = client.receivedFrame(frame(oldReply)) else {
            Issue.record("replay accepted")
            return
        }
        #expect(error.reason == .badSignature)
    }

    @Test("a forged client finish is refused by the server")
    func badClientSignature() throws {
        var client = try client()
        var server = try server()
        let reply = try sentMessage(server.receivedFrame(frame(try sentMessage(client.start()))))
        guard case .complete(.clientFinish(var signature)?, _) = client.receivedFrame(frame(reply)) else { return }
        signature[0] ^= 0x80
        let action = server.receivedFrame(frame(.clientFinish(signature: signature)))
        guard case .fail(let error, .badSignature?) = action else {
            Issue.record("expected badSignature, got \(action)")
            return
        }
        #expect(error == .badSignature(node: TestKeys.alice.nodeID, peer: TransportPeer(address: nil, node: TestKeys.alice.nodeID)))
    }

    @Test("messages out of order are protocol violations")
    func outOfOrder() throws {
        var server = try server()
        let action = server.receivedFrame(frame(.clientFinish(signature: Array(repeating: 0, count: 64))))
        guard case .fail(let error, .protocolViolation?) = action else {
            Issue.record("expected a protocol violation, got \(action)")
            return
        }
        #expect(error.reason == .unexpectedFrame)
        var client = try client()
        _ = client.start()
        let data = client.receivedFrame(Frame(type: .sealed, payload: ByteBuffer([0])))
        guard case .fail(let clientError, .protocolViolation?) = data else {
            Issue.record("expected a protocol violation, got \(data)")
            return
        }
        #expect(clientError.reason == .unexpectedFrame)
    }

    @Test("a timeout fails a running handshake, once")
    func timeout() throws {
        var client = try client()
        _ = client.start()
        let action = client.timedOut(after: .seconds(5))
        #expect(
            action
                == .fail(
                    .handshakeTimeout(after: .seconds(5), peer: TransportPeer(address: nil, node: TestKeys.bob.nodeID)),
                    refusal: .handshakeTimeout
                )
        )
        #expect(client.timedOut(after: .seconds(5)) == .none)
    }

    @Test("a refusal from the peer fails without refusing back")
    func peerRefusal() throws {
        var client = try client()
        _ = client.start()
        let action = client.receivedFrame(frame(.refusal(.unknownPeer)))
        #expect(action == .fail(.refusedByPeer(reason: .unknownPeer, peer: TransportPeer(address: nil, node: TestKeys.bob.nodeID)), refusal: nil))
    }

    @Test("a decoder error during the handshake becomes a refusal")
    func decoderError() throws {
        var server = try server()
        let action = server.errorCaught(.versionMismatch(ours: 1, theirs: 2, peer: .unknown))
        #expect(action == .fail(.versionMismatch(ours: 1, theirs: 2, peer: .unknown), refusal: .versionMismatch))
        #expect(server.errorCaught(.malformedFrame(reason: "x", peer: .unknown)) == .none)
    }
}
