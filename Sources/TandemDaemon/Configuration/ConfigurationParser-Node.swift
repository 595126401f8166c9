import Foundation
import TOMLKit
import TandemCore
import TandemPostgresStore
import TandemStore

extension ConfigurationParser {
    static let nodeKeys = ["name", "data_dir", "key_file", "listen", "admin", "max_clock_drift_ms", "parity_interval_minutes",
        "audit_retention_days", "store",
    ]
    static let peerKeys = ["name", "address", "public_key"]

    func parseNode(_ section: TOMLSection) throws(ConfigurationError) -> NodeSettings {
        let name = try section.requiredString("name", "the node's name, shown in logs and audit")
        let dataDirectory = context.resolve(try section.requiredString("data_dir", "the directory of the node's store"))
        let keyFile = context.resolve(try section.requiredString("key_file", "the key file from `tandem keygen`"))
        let listen = try address(section, "listen", required: true) ?? NodeSettings.defaultAdmin
        let admin = try address(section, "admin", required: false) ?? NodeSettings.defaultAdmin
        var drift = NodeSettings.defaultMaxClockDriftMillis
        if let value = try section.int("max_clock_drift_ms") {
            guard value >= 0 else {
                throw section.error("max_clock_drift_ms", "expected milliseconds, 0 or more; got \(value)")
            }
            drift = UInt64(value)
        }
        let parity = try section.double("parity_interval_minutes") ?? NodeSettings.defaultParityIntervalMinutes
        guard parity == 0 || (parity >= 0.01 && parity <= 525_600) else {
            throw section.error(
                "parity_interval_minutes", "expected 0 (off) or minutes from 0.01 to 525600 (a year), got \(parity)")
        }
        let retention = try section.int("audit_retention_days") ?? NodeSettings.defaultAuditRetentionDays
        guard retention >= 0, retention <= 36_500 else {
            throw section.error("audit_retention_days", "expected 0 (keep forever) or days up to 36500, got \(retention)")
        }
        let store = try storeSetting(section)
        try section.finish(expected: Self.nodeKeys)
        try checkKeyFile(keyFile, section: section)
        return NodeSettings(
            name: name, dataDirectory: dataDirectory, keyFile: keyFile, listen: listen, admin: admin,
            maxClockDriftMillis: drift, parityIntervalMinutes: parity, auditRetentionDays: retention, store: store)
    }

    /// `store`: `sqlite` (the default) or a PostgreSQL store URL, checked
    /// here (with the password's environment variable) so a mistake stops
    /// `tandem run` before anything starts.
    private func storeSetting(_ section: TOMLSection) throws(ConfigurationError) -> NodeStoreSetting {
        guard let text = try section.string("store") else { return .sqlite }
        if text == "sqlite" { return .sqlite }
        let lowered = text.lowercased()
        guard lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") else {
            throw section.error(
                "store", "expected \"sqlite\" or a PostgreSQL URL (postgres://user@host:port/database?schema=name), got \"\(text)\"")
        }
        do {
            _ = try PostgresStoreLocation(text, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw section.error("store", error.description)
        }
        return .postgres(url: text)
    }

    func parsePeer(_ section: TOMLSection) throws(ConfigurationError) -> PeerSettings {
        let name = try section.requiredString("name", "the peer's name")
        let address = try address(section, "address", required: false)
        let keyText = try section.requiredString("public_key", "the peer's node id from `tandem keygen`")
        guard let key = NodeID(hex: keyText) else {
            throw section.error(
                "public_key", "expected 64 hexadecimal digits (the node id `tandem keygen` printed), got \"\(keyText)\"")
        }
        let stateSource = try section.bool("state_source") ?? false
        try section.finish(expected: Self.peerKeys + Self.peerTrustKeys)
        return PeerSettings(name: name, address: address, publicKey: key, stateSource: stateSource)
    }

    private func address(_ section: TOMLSection, _ key: String, required: Bool) throws(ConfigurationError) -> HostPort? {
        let text = required ? try section.requiredString(key, "an address, host:port") : try section.string(key)
        guard let text else { return nil }
        guard let address = HostPort(parsing: text) else {
            throw section.error(key, "expected host:port (such as 127.0.0.1:7401), got \"\(text)\"")
        }
        return address
    }

    /// The key file must exist, be a regular file and be readable by its
    /// owner only: a key others can read is a key others can use.
    private func checkKeyFile(_ path: String, section: TOMLSection) throws(ConfigurationError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "does not exist (create it with `tandem keygen --output \(path)`)"
                : "cannot be read: \(String(cString: strerror(errno)))"
            throw section.error("key_file", "the key file \(path) \(reason)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw section.error("key_file", "\(path) is not a regular file")
        }
        let mode = Int(info.st_mode & 0o777)
        guard mode & 0o077 == 0 else {
            throw section.error(
                "key_file",
                "the key file \(path) has mode \(String(mode, radix: 8)); expected 600, readable by its owner only "
                    + "(chmod 600 \(path))")
        }
    }

    func checkPeers(_ peers: [PeerSettings], node: NodeSettings, root: TOMLSection) throws(ConfigurationError) {
        var names: Set<String> = [node.name]
        var keys: Set<NodeID> = []
        for (index, peer) in peers.enumerated() {
            let section = TOMLSection(table: .init(), path: "peer[\(index + 1)]", header: "peer", entry: index, context: context)
            guard names.insert(peer.name).inserted else {
                throw section.error(
                    "name", peer.name == node.name ? "\"\(peer.name)\" is this node's own name"
                        : "another [[peer]] is already named \"\(peer.name)\"; names must be unique")
            }
            guard keys.insert(peer.publicKey).inserted else {
                throw section.error("public_key", "another [[peer]] already has this key; each peer is listed once")
            }
        }
    }
}
