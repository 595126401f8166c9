import Foundation
import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import TandemSync
import Testing

/// Fixed identities from fixed seeds, so every run uses the same keys.
enum TestKeys {
    static let alice = keyPair(0xA1)
    static let bob = keyPair(0xB0)
    static let carol = keyPair(0xC0)
    static let mallory = keyPair(0x66)

    static func keyPair(_ byte: UInt8) -> NodeKeyPair {
        do {
            return try NodeKeyPair(seed: Array(repeating: byte, count: NodeKeyPair.seedByteCount))
        } catch {
            fatalError("test key: \(error)")
        }
    }
}

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ name: String) throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tandem-node-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

struct Timeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every 5 ms until it holds, failing after `seconds`:
/// every wait in these tests has a deadline, none is a fixed sleep.
func eventually(
    _ what: String, within seconds: Double = 60, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    if try await condition() { return }
    throw Timeout(what: what)
}

/// A node configuration for tests: fast anti-entropy, short backoff.
func testConfiguration(
    _ keys: NodeKeyPair, port: Int = 0, peers: [PeerAddress] = [], members: Set<NodeID> = []
) -> SyncNodeConfiguration {
    var configuration = SyncNodeConfiguration(
        identity: keys, port: port, peers: peers, members: members,
        reconnect: ReconnectPolicy(baseDelayMillis: 20, maxDelayMillis: 200, jitter: { 0.5 }))
    configuration.sync.summaryIntervalMillis = 100
    configuration.sync.resendAfterMillis = 500
    return configuration
}

/// Every record of `collection` in `store`, by id.
func records(_ store: any ReplicaStore, _ collection: String = "customers") throws -> [String: RecordStore] {
    var all: [String: RecordStore] = [:]
    for (id, record) in try store.records(collection, after: nil, limit: .max) { all[id] = record }
    return all
}

/// Whether `batch` carries a valid signature by its origin.
func hasValidOriginSignature(_ batch: DeltaBatch) -> Bool {
    SignatureVerifier.verify(signature: batch.signature, message: batch.signingBytes, signer: batch.origin)
}
