import Foundation
import TandemCore
import TandemStore

/// One node's CRDT state of the `contacts` collection as the harness reads
/// it from the node's store (`data/tandem.sqlite`, opened beside the
/// running node as `tandem audit` opens it): per record, by match key, each
/// field's winning write (its value, edit time and writer) and the set
/// field's elements. Only Tandem's own answer is read (the register's
/// winner); no rule of the model is applied here.
public struct NodeState: Sendable {
    /// A field's winning write.
    public struct Winner: Sendable, Hashable {
        /// nil: NULL.
        public var value: String?
        /// The write's edit time, in Unix milliseconds.
        public var editedAtMillis: UInt64
        /// The node id (hex) of the node that captured it.
        public var writer: String

        public init(value: String?, editedAtMillis: UInt64, writer: String) {
            self.value = value
            self.editedAtMillis = editedAtMillis
            self.writer = writer
        }
    }

    /// One record.
    public struct Record: Sendable, Hashable {
        /// Fields with a write; absent ones hold nothing.
        public var fields: [String: Winner]
        public var tags: Set<String>

        public init(fields: [String: Winner], tags: Set<String>) {
            self.fields = fields
            self.tags = tags
        }
    }

    /// Records by match key (record ids `email:<key>`; others by id).
    public var records: [String: Record]

    public init(records: [String: Record]) {
        self.records = records
    }

    /// Reads the store in `dataDirectory` of the node `nodeID` (hex).
    public static func read(dataDirectory: String, nodeID: String) throws -> NodeState {
        guard let node = NodeID(hex: nodeID) else { throw HarnessError("not a node id: \(nodeID)") }
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let store = try SQLiteStore(directory: dataDirectory, node: node, now: now)
        defer { try? store.close() }
        var records: [String: Record] = [:]
        var after: String?
        while true {
            let page = try store.records("contacts", after: after, limit: 500)
            guard let last = page.last else { break }
            after = last.id
            for (id, record) in page where !record.isEmpty {
                records[TableRow.key(recordID: id) ?? id] = Self.record(record)
            }
        }
        return NodeState(records: records)
    }

    static func record(_ store: RecordStore) -> Record {
        var fields: [String: Winner] = [:]
        for (name, register) in store.fields {
            guard let winner = register.winner else { continue }
            fields[name] = Winner(value: text(winner.value), editedAtMillis: winner.timestamp.physical, writer: winner.dot.node.hex)
        }
        var tags: Set<String> = []
        for element in store.sets.entries[NodeSchema.setField]?.sortedKeys ?? [] {
            tags.insert(text(element) ?? "null")
        }
        return Record(fields: fields, tags: tags)
    }

    /// A value as the tables show it (nil: NULL).
    static func text(_ value: Value) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bytes(let bytes): "<\(bytes.count) bytes>"
        }
    }
}
