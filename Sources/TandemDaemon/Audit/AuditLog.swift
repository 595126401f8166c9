public import Foundation
public import TandemCore
import TandemCrypto
import TandemNode
public import TandemStore

/// `tandem audit`: the node's audit log, read from its store in
/// `data_dir`, filtered and rendered.
///
/// The store is SQLite in WAL mode, so it can be read while the node runs
/// (the open briefly takes the write lock only to check the schema; it
/// waits up to the store's busy timeout for the node's commit). A stopped
/// node's log is read the same way.
///
/// Guarantees: events come oldest first (newest last), each once; a data
/// directory with no store is an error, never a new empty store.
public enum AuditLog {
    /// Which events to show.
    public struct Query: Hashable, Sendable {
        /// Only events about this record id.
        public var record: String?
        /// Only events at or after this time.
        public var since: Date?

        public init(record: String? = nil, since: Date? = nil) {
            self.record = record
            self.since = since
        }
    }

    /// The events of the node configured in `file` matching `query`.
    public static func read(_ file: NodeConfigurationFile, query: Query) throws(DaemonError) -> [AuditRecord] {
        let directory = file.node.store == .sqlite ? file.node.dataDirectory : file.node.store.description
        if file.node.store == .sqlite {
            let path = (directory as NSString).appendingPathComponent(SQLiteStore.fileName)
            guard FileManager.default.fileExists(atPath: path) else {
                throw DaemonError.store(directory: directory, detail: "no store (\(SQLiteStore.fileName)) here: has the node run yet?")
            }
        }
        let identity = try NodeDaemon.readKey(file)
        // Read-only: PostgreSQL lets this reader in beside the running node.
        let opened = try NodeStoreOpener.open(
            file.node, node: identity.nodeID, now: SyncNodeConfiguration.systemClock(), readOnly: true)
        let store = opened.store
        defer { try? opened.close() }
        let record = query.record.map(Identifier.normalized)
        let since = query.since.map { UInt64(max(0, $0.timeIntervalSince1970 * 1000)) }
        var found: [AuditRecord] = []
        var after: Int64 = 0
        while true {
            let page: [AuditRecord]
            do {
                page = try store.auditEvents(after: after, limit: 1_000)
            } catch {
                throw DaemonError.store(directory: directory, detail: "\(error)")
            }
            guard let last = page.last else { break }
            after = last.id
            found += page.filter { entry in
                (record == nil || entry.event.record == record) && (since.map { entry.event.at >= $0 } ?? true)
            }
        }
        return found
    }

    /// One line per event: time, position, kind, collection/record, node, detail.
    public static func renderText(_ records: [AuditRecord], names: [NodeID: String]) -> String {
        records.map { entry in
            let event = entry.event
            var parts = [iso(event.at), "#\(entry.id)", event.kind.rawValue]
            if let collection = event.collection {
                parts.append(event.record.map { "\(collection)/\($0)" } ?? collection)
            }
            if let node = event.node { parts.append("node=\(names[node] ?? node.description)") }
            parts.append(event.detail)
            return parts.joined(separator: "  ") + "\n"
        }.joined()
    }

    /// A JSON array of events (`id`, `at`, `kind`, `collection`, `record`,
    /// `node`, `node_name`, `detail`).
    public static func renderJSON(_ records: [AuditRecord], names: [NodeID: String]) throws -> String {
        let objects: [[String: Any]] = records.map { entry in
            let event = entry.event
            var object: [String: Any] = [
                "id": entry.id, "at": iso(event.at), "kind": event.kind.rawValue, "detail": event.detail,
            ]
            if let collection = event.collection { object["collection"] = collection }
            if let record = event.record { object["record"] = record }
            if let node = event.node {
                object["node"] = node.hex
                if let name = names[node] { object["node_name"] = name }
            }
            return object
        }
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A JSON array of conflict events: the fields of ``renderJSON(_:names:)``
    /// and, where the event keeps one, `field` and `loser` (the losing
    /// value as text) and `restorable: true`.
    public static func renderConflictsJSON(_ records: [AuditRecord], names: [NodeID: String]) throws -> String {
        let objects: [[String: Any]] = records.map { entry in
            let event = entry.event
            var object: [String: Any] = [
                "id": entry.id, "at": iso(event.at), "kind": event.kind.rawValue, "detail": readableDetail(event.detail),
            ]
            if let collection = event.collection { object["collection"] = collection }
            if let record = event.record { object["record"] = record }
            if let node = event.node {
                object["node"] = node.hex
                if let name = names[node] { object["node_name"] = name }
            }
            let loser = RestorableValue.parse(event.detail)
            object["restorable"] = loser != nil
            if let loser {
                object["field"] = loser.field
                object["loser"] = loser.value.description
            }
            return object
        }
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// An event's detail without its machine-readable restore suffix.
    public static func readableDetail(_ detail: String) -> String { RestorableValue.split(detail).text }

    /// Peer and own names by node id, for rendering.
    public static func names(_ file: NodeConfigurationFile, own: NodeID?) -> [NodeID: String] {
        var names: [NodeID: String] = [:]
        for peer in file.peers { names[peer.publicKey] = peer.name }
        if let own { names[own] = file.node.name }
        return names
    }

    /// A time in milliseconds as ISO 8601 with milliseconds.
    public static func iso(_ millis: UInt64) -> String {
        Date(timeIntervalSince1970: Double(millis) / 1000).formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon))
    }
}
