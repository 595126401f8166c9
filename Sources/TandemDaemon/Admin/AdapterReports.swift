public import Foundation
import TandemAdapterCore
import TandemAdapters

extension StatusReport {
    /// One adapter of the node, from `AdapterRunner.currentStatus()`.
    public struct Adapter: Codable, Hashable, Sendable {
        /// The stable name, `collection/kind/table`.
        public var name: String
        public var collection: String
        public var kind: String
        public var table: String
        /// `starting`, `backfilling`, `running`, `paused` or `stopped`.
        public var state: String
        /// Why the adapter is paused (the table and column).
        public var pausedReason: String?
        /// Row changes captured and committed to the CRDT.
        public var captured: Int
        /// Captured changes that changed nothing (echoes, equal values).
        public var unchanged: Int
        /// Writes made to the table.
        public var written: Int
        /// Captured edits that lost to later edits (kept in the audit log: `tandem conflicts`).
        public var lostEdits: Int
        /// Rows not synced, by reason (`empty_key`, `duplicate_key`, `invalid_value`, …).
        public var issues: [String: Int]
        /// Records whose write the table refuses, waiting to be retried.
        public var retrying: Int
        /// Deletes held for approval (`tandem deletes`).
        public var heldDeletes: Int
        public var backfilledRows: Int
        public var backfillTotal: Int?
        public var backfillRowsPerSecond: Double?
        public var backfillSecondsLeft: Double?
        /// Driver errors (connection, schema) since start, retried.
        public var errors: Int
        public var lastError: String?
        public var paritySweeps: Int
        public var parityRepairs: Int
        /// Records compared so far by the sweep under way (absent: none runs).
        public var sweptRecords: Int?
        /// Nothing waiting: no captured change, no record to write, no sweep.
        public var idle: Bool

        init(_ settings: AdapterSettings, _ status: AdapterStatus) {
            name = settings.name
            collection = settings.collection
            kind = settings.kind.rawValue
            table = settings.table
            switch status.state {
            case .starting: state = "starting"
            case .backfilling: state = "backfilling"
            case .running: state = "running"
            case .paused(let reason):
                state = "paused"
                pausedReason = reason
            case .stopped: state = "stopped"
            }
            captured = status.captured
            unchanged = status.unchanged
            written = status.written
            lostEdits = status.lostEdits
            issues = status.issues
            retrying = status.retrying
            heldDeletes = status.heldDeletes
            backfilledRows = status.backfilledRows
            backfillTotal = status.backfillTotal
            backfillRowsPerSecond = status.backfillRowsPerSecond
            backfillSecondsLeft = status.backfillSecondsLeft
            errors = status.errors
            lastError = status.lastError
            paritySweeps = status.paritySweeps
            parityRepairs = status.parityRepairs
            sweptRecords = status.sweptRecords
            idle = status.idle
        }
    }
}

/// The answers of the admin endpoint's adapter routes (`/deletes`,
/// `/deletes/approve`, `/deletes/reject`, `/parity`, `/restore`), as JSON
/// with snake_case keys; `tandem deletes`, `approve-deletes`,
/// `reject-deletes`, `parity` and `restore` print them.
public enum AdapterReports {
    /// The deletes one adapter holds for approval.
    public struct HeldDeletes: Codable, Hashable, Sendable {
        public var adapter: String
        public var table: String
        public var deletes: [Delete]
    }

    /// One held delete: the row's key, when it was deleted, its last values.
    public struct Delete: Codable, Hashable, Sendable {
        public var sequence: Int64
        public var key: String
        public var deletedAt: String
        /// Column = last value (as text; `null` for NULL).
        public var lastValues: [String: String]
    }

    /// How many held deletes an approve or a reject released, per adapter.
    public struct Released: Codable, Hashable, Sendable {
        public var adapter: String
        public var count: Int
    }

    /// One adapter's parity check.
    public struct Parity: Codable, Hashable, Sendable {
        public var adapter: String
        public var collection: String
        /// Records of the collection in this node's CRDT state.
        public var records: UInt64
        /// Rows found different from the CRDT state and rewritten.
        public var repairs: Int
        /// Share of records found equal: 1 - repairs / records (1 when empty).
        public var ratio: Double
        /// Why the adapter was not checked (it holds deletes for approval);
        /// absent when it was.
        public var skipped: String? = nil

        /// One line, as `tandem parity` prints it.
        public var line: String {
            if let skipped { return "\(adapter): not checked: \(skipped)" }
            return "\(adapter): \(records) records, \(repairs) rows repaired, parity \(AlertRules.ratio(ratio))"
        }
    }

    /// A conflict loser written back.
    public struct Restored: Codable, Hashable, Sendable {
        public var event: Int64
        public var collection: String
        public var record: String
        public var field: String
        /// The value written, as text.
        public var value: String
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Decodes an answer of the admin endpoint.
    public static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: data)
    }

    /// The same JSON the endpoint answers (for `--json`).
    public static func json(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}
