public import Foundation

/// What `GET /status` answers and `tandem status` prints: the node, each
/// peer, each collection, the health figures and each adapter, at one
/// moment.
///
/// Guarantees: encodes to and decodes from the same JSON (snake_case keys,
/// through ``encode()`` and ``decode(_:)``); times are ISO 8601 UTC; a figure
/// the node cannot know yet (an adapter's, or a peer never acknowledged) is
/// absent rather than zero.
public struct StatusReport: Codable, Hashable, Sendable {
    /// This node.
    public struct Node: Codable, Hashable, Sendable {
        public var name: String
        /// The node id: its Ed25519 public key, 64 hex digits.
        public var id: String
        /// The same key, under the name the configuration uses for peers.
        public var publicKey: String
        public var listen: String
        public var admin: String
        public var startedAt: String
        public var uptimeSeconds: Int
    }

    /// One configured peer.
    public struct Peer: Codable, Hashable, Sendable {
        public var name: String
        public var id: String
        public var address: String
        public var connected: Bool
        /// When the current session opened (absent while disconnected).
        public var connectedSince: String?
        /// Now while connected; otherwise when a session with the peer was
        /// last seen open (absent if never).
        public var lastContact: String?
        /// Batches held here that the peer has not acknowledged.
        public var deltasBehind: UInt64?
        /// Taking in the peer's state by reconciliation (a new node's
        /// snapshot): under way, or the last one finished (absent if none
        /// since the node started).
        public var catchUp: CatchUp? = nil
    }

    /// A catch-up from a state source (`CatchUpProgress`).
    public struct CatchUp: Codable, Hashable, Sendable {
        public var receivedRecords: UInt64
        public var remainingRecords: UInt64
        public var receivedBytes: UInt64
        public var elapsedSeconds: Double
        public var recordsPerSecond: Double?
        public var secondsLeft: Double?
        public var finished: Bool
        /// The same as one line: records, bytes, rate, time left.
        public var summary: String
    }

    /// One collection of the store or the configuration.
    public struct Collection: Codable, Hashable, Sendable {
        public var name: String
        public var records: UInt64
        /// The sum of the reconciliation leaf digests, 16 hex digits: equal
        /// on two nodes holding equal records.
        public var stateDigest: String
    }

    /// The figures two-way sync is judged by.
    public struct Health: Codable, Hashable, Sendable {
        public var deltasReceived: Int
        public var deltasLocal: Int
        public var messagesSent: Int
        public var messagesReceived: Int
        public var bytesSent: Int
        public var bytesReceived: Int
        /// Input refused by the sync protocol or the transport.
        public var rejectedMessages: Int
        /// Store failures, dropped sends, dial failures and peers cut off.
        public var syncErrors: Int
        /// Conflicts since start: concurrent writes resolved in peers'
        /// batches and reconciliation, plus captured edits the adapters
        /// found older than the CRDT's value (absent on a node without
        /// adapters).
        public var conflicts: Int?
        /// The lowest parity ratio of the adapters' last checks (absent
        /// before the first).
        public var parityRatio: Double?
        /// When the last parity check (scheduled or `tandem parity`)
        /// finished (absent before the first).
        public var lastParityCheck: String? = nil
        /// The alerts firing now (`sync_errors`, `low_parity ADAPTER`,
        /// `adapter_paused ADAPTER`, `deletes_held ADAPTER`); absent from
        /// nodes that predate alerts.
        public var alerts: [String]? = nil
        /// Sync latency since start (a change's capture at its origin to
        /// its commit in this node's external system, HdrHistogram):
        /// how many, and the 50th and 99th percentiles in milliseconds;
        /// absent before the first.
        public var syncLatencyCount: UInt64? = nil
        public var syncLatencyP50Ms: UInt64? = nil
        public var syncLatencyP99Ms: UInt64? = nil
    }

    public var node: Node
    public var peers: [Peer]
    public var collections: [Collection]
    public var health: Health
    /// The node's adapters (absent from nodes that predate them; empty on a
    /// pure relay).
    public var adapters: [Adapter]? = nil

    /// The report as JSON (snake_case keys, sorted, pretty-printed).
    public func encode() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// A report from the JSON of ``encode()``.
    public static func decode(_ data: Data) throws -> StatusReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(StatusReport.self, from: data)
    }
}
