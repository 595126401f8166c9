import TandemCore

/// The `[node]` section: who this node is, where it keeps its state and
/// where it listens.
///
/// Guarantees (checked by ``NodeConfigurationFile``): paths are absolute
/// (relative ones were resolved against the configuration file's
/// directory), the key file exists and is readable by its owner only, and
/// the addresses parsed.
public struct NodeSettings: Hashable, Sendable {
    /// Shown in logs, audit and status; named by `owners` in collections.
    public var name: String
    /// The node's own directory (created if missing): its SQLite store,
    /// unless `store` names PostgreSQL.
    public var dataDirectory: String
    /// Where the node keeps its state (`[node] store`, default `sqlite`).
    public var store: NodeStoreSetting
    /// The Ed25519 key file from `tandem keygen`.
    public var keyFile: String
    /// Where the peer protocol listens.
    public var listen: HostPort
    /// Where the admin endpoint (`GET /metrics`, `GET /status`) listens.
    public var admin: HostPort
    /// Remote timestamps further ahead of local time than this are held,
    /// not trusted.
    public var maxClockDriftMillis: UInt64
    /// Minutes between scheduled parity checks (the check `tandem parity`
    /// runs); 0 turns the schedule off.
    public var parityIntervalMinutes: Double
    /// Audit events older than this many days are pruned (conflicts are
    /// kept); 0 keeps every event.
    public var auditRetentionDays: Int

    /// The admin address when the file does not set one.
    public static let defaultAdmin = HostPort(host: "127.0.0.1", port: 9401)
    /// The drift bound when the file does not set one.
    public static let defaultMaxClockDriftMillis: UInt64 = HybridLogicalClock.defaultMaxOffsetMillis
    /// The parity schedule when the file does not set one: hourly.
    public static let defaultParityIntervalMinutes = 60.0
    /// The audit retention when the file does not set one.
    public static let defaultAuditRetentionDays = 30

    public init(
        name: String, dataDirectory: String, keyFile: String, listen: HostPort,
        admin: HostPort = NodeSettings.defaultAdmin,
        maxClockDriftMillis: UInt64 = NodeSettings.defaultMaxClockDriftMillis,
        parityIntervalMinutes: Double = NodeSettings.defaultParityIntervalMinutes,
        auditRetentionDays: Int = NodeSettings.defaultAuditRetentionDays,
        store: NodeStoreSetting = .sqlite
    ) {
        self.name = name
        self.dataDirectory = dataDirectory
        self.store = store
        self.keyFile = keyFile
        self.listen = listen
        self.admin = admin
        self.maxClockDriftMillis = maxClockDriftMillis
        self.parityIntervalMinutes = parityIntervalMinutes
        self.auditRetentionDays = auditRetentionDays
    }
}
