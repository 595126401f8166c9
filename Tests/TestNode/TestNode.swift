import Foundation
import TandemCore
import TandemCrypto
import TandemNode
import TandemStore

/// `tandem-test-node <data-directory> <key-byte> <port> [--peer <key-byte>:<port>]... [--member <key-byte>]...`
///
/// One `SyncNode` in its own process, for tests that run several nodes as
/// separate processes over loopback TCP. Its key comes from a 32-byte seed
/// of `key-byte` repeated (so tests know every node id); it listens on
/// `port` (0 picks one), dials each `--peer` on 127.0.0.1, and accepts every
/// peer and member. Once started it prints `port <n>`, then answers one
/// line per command read from standard input (collection `customers`):
///
/// - `write <record> <field> <value>`: a string field; `ok <sequence>`
/// - `delete <record>`: `ok <sequence>`
/// - `get <record> <field>`: `value <text>` or `none`
/// - `signed <key-byte> <sequence>`: whether the delta log holds that
///   origin's batch with a valid signature by it: `valid`, `invalid` or
///   `missing`
/// - `state`: `state <records> <checksum>`, a checksum of the collection's
///   canonical bytes (records and causal context: equal on converged nodes)
/// - `peers`: `peers <count>` connected
/// - `quit`: shuts down, prints `bye`, exits 0
///
/// A command that fails prints `error <description>`.
@main
struct TestNode {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 3, let byte = UInt8(arguments[1]), let port = Int(arguments[2]) else {
            fail("usage: tandem-test-node <data-directory> <key-byte> <port> [--peer <key-byte>:<port>]... [--member <key-byte>]...")
        }
        var peers: [PeerAddress] = []
        var members: Set<NodeID> = []
        var rest = arguments.dropFirst(3)
        while let option = rest.popFirst() {
            guard let value = rest.popFirst() else { fail("\(option) needs a value") }
            switch option {
            case "--peer":
                let parts = value.split(separator: ":")
                guard parts.count == 2, let peerByte = UInt8(parts[0]), let peerPort = Int(parts[1]) else {
                    fail("--peer \(value): expected <key-byte>:<port>")
                }
                peers.append(PeerAddress(node: keys(peerByte).nodeID, host: "127.0.0.1", port: peerPort))
            case "--member":
                guard let memberByte = UInt8(value) else { fail("--member \(value): expected a key byte") }
                members.insert(keys(memberByte).nodeID)
            default:
                fail("unknown option \(option)")
            }
        }
        var configuration = SyncNodeConfiguration(
            identity: keys(byte), port: port, peers: peers, members: members,
            reconnect: ReconnectPolicy(baseDelayMillis: 20, maxDelayMillis: 200, jitter: { 0.5 }))
        configuration.sync.summaryIntervalMillis = 100
        configuration.sync.resendAfterMillis = 500
        do {
            let node = try SyncNode.open(configuration: configuration, directory: arguments[0])
            try await node.start()
            print("port \(node.boundPort ?? port)")
            fflush(nil)
            while let line = readLine() {
                let words = line.split(separator: " ").map(String.init)
                let reply: String
                do {
                    reply = try await answer(words, node: node)
                } catch {
                    reply = "error \(error)"
                }
                if reply == "bye" {
                    try await node.shutdown()
                    print(reply)
                    fflush(nil)
                    return
                }
                print(reply)
                fflush(nil)
            }
            try await node.shutdown()
        } catch {
            fail("\(error)")
        }
    }

    static func answer(_ words: [String], node: SyncNode) async throws -> String {
        switch words.first {
        case "write" where words.count == 4:
            let batch = try await node.write(collection: "customers", record: words[1], fields: [words[2]: .string(words[3])])
            return "ok \(batch?.sequence ?? 0)"
        case "delete" where words.count == 2:
            let batch = try await node.delete(collection: "customers", record: words[1])
            return "ok \(batch?.sequence ?? 0)"
        case "get" where words.count == 3:
            guard let value = try await node.record(collection: "customers", id: words[1])?.fields[words[2]] else { return "none" }
            if case .string(let text) = value { return "value \(text)" }
            return "value \(value)"
        case "signed" where words.count == 3:
            guard let byte = UInt8(words[1]), let sequence = UInt64(words[2]) else { return "error bad arguments" }
            let origin = keys(byte).nodeID
            guard let batch = try node.store.batches([Dot(node: origin, counter: sequence)]).first else { return "missing" }
            let valid = batch.origin == origin
                && SignatureVerifier.verify(signature: batch.signature, message: batch.signingBytes, signer: origin)
            return valid ? "valid" : "invalid"
        case "state" where words.count == 1:
            let ids = try node.store.records("customers", after: nil, limit: .max).map(\.id)
            let state = try node.store.workingSet("customers", records: ids)
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in state.encoded() { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return "state \(state.records.count) \(String(hash, radix: 16))"
        case "peers" where words.count == 1:
            return "peers \(node.connectedPeers.count)"
        case "quit" where words.count == 1:
            return "bye"
        default:
            return "error unknown command: \(words.joined(separator: " "))"
        }
    }

    static func keys(_ byte: UInt8) -> NodeKeyPair {
        do {
            return try NodeKeyPair(seed: Array(repeating: byte, count: NodeKeyPair.seedByteCount))
        } catch {
            fail("key from byte \(byte): \(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("tandem-test-node: \(message)\n".utf8))
        exit(1)
    }
}
