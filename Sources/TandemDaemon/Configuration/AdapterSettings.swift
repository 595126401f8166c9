public import TandemHTTPAdapter

/// One `[[adapter]]`: an external table kept in sync with a collection.
///
/// Plain data: the adapters module maps it to a driver. Guarantees (checked
/// by ``NodeConfigurationFile``): the collection exists in the file, a
/// SQLite database path is absolute, a PostgreSQL one is a `postgres://` or
/// `postgresql://` URL, an HTTP adapter's connector file parsed and every
/// field it maps is one the connector describes, `fields` is non-empty, every `direction` names a
/// field of `fields`, and the thresholds are in range.
public struct AdapterSettings: Hashable, Sendable {
    /// The external system.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case sqlite
        case postgres
        /// An HTTP API's object type, described by a connector file.
        case http
    }

    /// Which way a field flows.
    public enum Direction: String, Hashable, Sendable, CaseIterable {
        /// Captured from the table and written to it (the default).
        case both
        /// Captured from the table only: peers' values are not written to it.
        case `in`
        /// Written to the table only: local edits are not captured.
        case out
    }

    /// The collection the table maps to.
    public var collection: String
    public var kind: Kind
    /// A SQLite file path (absolute) or a PostgreSQL URL; for `http`, the
    /// driver's own state file (`<data_dir>/http-<collection>-<object>.sqlite`).
    public var database: String
    /// The `http` adapter's connector (nil for the other kinds).
    public var connector: HTTPConnector?
    /// The connector file's path (absolute), for `http`.
    public var connectorPath: String?
    public var table: String
    /// The table's primary key column.
    public var key: String
    /// Canonical field → external column.
    public var fields: [String: String]
    /// Canonical field → direction; fields not listed are `.both`.
    public var direction: [String: Direction]
    /// A capture that deletes more than this share of the table's rows
    /// (and at least ``massDeleteMinRows``) is held for approval.
    public var massDeleteShare: Double
    /// Deletes of fewer rows than this are never held.
    public var massDeleteMinRows: Int
    /// How often the capture outbox is read.
    public var pollIntervalMillis: Int

    public static let defaultMassDeleteShare = 0.2
    public static let defaultMassDeleteMinRows = 10
    public static let defaultPollIntervalMillis = 500

    public init(
        collection: String, kind: Kind, database: String, table: String, key: String,
        fields: [String: String], direction: [String: Direction] = [:],
        massDeleteShare: Double = AdapterSettings.defaultMassDeleteShare,
        massDeleteMinRows: Int = AdapterSettings.defaultMassDeleteMinRows,
        pollIntervalMillis: Int = AdapterSettings.defaultPollIntervalMillis,
        connector: HTTPConnector? = nil, connectorPath: String? = nil
    ) {
        self.connector = connector
        self.connectorPath = connectorPath
        self.collection = collection
        self.kind = kind
        self.database = database
        self.table = table
        self.key = key
        self.fields = fields
        self.direction = direction
        self.massDeleteShare = massDeleteShare
        self.massDeleteMinRows = massDeleteMinRows
        self.pollIntervalMillis = pollIntervalMillis
    }

    /// A stable name for this adapter (cursor and external keys are stored
    /// under it): `collection/kind/table`.
    public var name: String { "\(collection)/\(kind.rawValue)/\(table)" }

    /// The direction of `field` (`.both` unless set).
    public func direction(of field: String) -> Direction { direction[field] ?? .both }
}
