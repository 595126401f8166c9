import Foundation
import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

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
