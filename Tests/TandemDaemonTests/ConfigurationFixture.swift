import Foundation
import TandemCore
import TandemCrypto
import TandemDaemon

/// A temporary directory holding a key file, and a valid configuration text
/// to start from; `remove()` deletes it.
struct ConfigurationFixture {
    let directory: String
    let peerKey: String

    init() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-daemon-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        directory = url.path
        try NodeKeyFile.write(try NodeKeyPair.generate(), to: directory + "/node.key")
        peerKey = try NodeKeyPair.generate().nodeID.hex
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A complete valid file (every section of the schema).
    var valid: String {
        """
        [node]
        name = "crm"
        data_dir = "crm-data"
        key_file = "node.key"
        listen = "127.0.0.1:7401"
        admin = "127.0.0.1:9401"
        max_clock_drift_ms = 250

        [[peer]]
        name = "helpdesk"
        address = "127.0.0.1:7402"
        public_key = "\(peerKey)"

        [[collection]]
        name = "contacts"
        match_key = "email"
        fallback_match_key = "phone"
        sets = ["tags"]
        owners = { renewal_date = "crm" }

        [[adapter]]
        collection = "contacts"
        kind = "sqlite"
        database = "crm.db"
        table = "customers"
        key = "id"
        mass_delete_share = 0.5
        [adapter.fields]
        email = "email"
        name = "full_name"
        tags = "tags"
        [adapter.direction]
        tags = "in"

        """
    }

    func parse(_ text: String) throws(ConfigurationError) -> NodeConfigurationFile {
        try NodeConfigurationFile.parse(text, file: "node.toml", directory: directory)
    }

    /// The error parsing `text` gives, or nil if it parses.
    func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }
}
