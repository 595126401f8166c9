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
    /// The node's own store (created if missing).
    public var dataDirectory: String
    /// The Ed25519 key file from `tandem keygen`.
    public var keyFile: String
    /// Where the peer protocol listens.
    public var listen: HostPort
    /// Where the admin endpoint (`GET /metrics`, `GET /status`) listens.
    public var admin: HostPort
    /// Remote timestamps further ahead of local time than this are held,
    /// not trusted.
    public var maxClockDriftMillis: UInt64

    /// The admin address when the file does not set one.
    public static let defaultAdmin = HostPort(host: "127.0.0.1", port: 9401)
    /// The drift bound when the file does not set one.
    public static let defaultMaxClockDriftMillis: UInt64 = HybridLogicalClock.defaultMaxOffsetMillis

    public init(
        name: String, dataDirectory: String, keyFile: String, listen: HostPort,
        admin: HostPort = NodeSettings.defaultAdmin,
        maxClockDriftMillis: UInt64 = NodeSettings.defaultMaxClockDriftMillis
    ) {
        self.name = name
        self.dataDirectory = dataDirectory
        self.keyFile = keyFile
        self.listen = listen
        self.admin = admin
        self.maxClockDriftMillis = maxClockDriftMillis
    }
}
