public import Foundation

/// The JSON body of a webhook POST: one alert of one node.
///
/// ```json
/// {"adapter": "contacts/sqlite/customers", "alert": "adapter_paused", "at": "2026-12-05T10:31:07Z",
///  "node": "crm", "node_id": "8e6a…", "peer": null, "status": "firing", "summary": "adapter … paused: …",
///  "threshold": null, "value": 1}
/// ```
///
/// Guarantees: snake_case keys, sorted; `adapter`, `peer` and `threshold`
/// are `null` where they do not apply; `at` is ISO 8601 UTC.
public struct AlertPayload: Codable, Hashable, Sendable {
    /// The node's name (`[node] name`).
    public var node: String
    /// The node id, 64 hex digits.
    public var nodeId: String
    /// ``Alert/Kind`` raw value: `sync_errors`, `low_parity`, `adapter_paused`, `deletes_held`, `peer_down`.
    public var alert: String
    /// `firing` or `resolved`.
    public var status: String
    public var adapter: String?
    /// The peer's name (`peer_down`).
    public var peer: String?
    public var summary: String
    public var value: Double
    public var threshold: Double?
    public var at: String

    public init(_ alert: Alert, node: String, nodeID: String) {
        self.node = node
        self.nodeId = nodeID
        self.alert = alert.kind.rawValue
        self.status = alert.status.rawValue
        self.adapter = alert.kind == .peerDown ? nil : alert.subject
        self.peer = alert.kind == .peerDown ? alert.subject : nil
        self.summary = alert.summary
        self.value = alert.value
        self.threshold = alert.threshold
        self.at = Date(timeIntervalSince1970: Double(alert.atMillis) / 1000).ISO8601Format()
    }

    /// The body as sent.
    public func encode() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// A body received (tests, receivers written in Swift).
    public static func decode(_ data: Data) throws -> AlertPayload {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(AlertPayload.self, from: data)
    }

    private enum CodingKeys: String, CodingKey {
        case node, nodeId, alert, status, adapter, peer, summary, value, threshold, at
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(node, forKey: .node)
        try container.encode(nodeId, forKey: .nodeId)
        try container.encode(alert, forKey: .alert)
        try container.encode(status, forKey: .status)
        // Present as null rather than left out, so receivers see every key.
        try container.encode(adapter, forKey: .adapter)
        try container.encode(peer, forKey: .peer)
        try container.encode(summary, forKey: .summary)
        try container.encode(value, forKey: .value)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(at, forKey: .at)
    }
}
