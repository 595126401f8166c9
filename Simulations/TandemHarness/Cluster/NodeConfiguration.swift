import Foundation

/// Writes a node's `node.toml` (docs/configuration.md): its listener and
/// admin ports, each peer at the port of the proxy it dials that peer
/// through, the `contacts` collection matched by email with `tags` as a
/// set, and its adapter on its own table spelling.
enum NodeConfiguration {
    /// A peer as this node dials it.
    struct Peer {
        var node: NodeProcess
        var proxyHost: String
        var proxyPort: Int
    }

    /// The adapter: a SQLite file in the node's directory, or a PostgreSQL
    /// URL and schema-qualified table.
    enum Adapter {
        case sqlite(file: String)
        case postgres(url: String)
    }

    static func text(node: NodeProcess, peers: [Peer], schema: NodeSchema, adapter: Adapter) -> String {
        var lines = [
            "[node]",
            "name = \"\(node.name)\"",
            "data_dir = \"data\"",
            "key_file = \"node.key\"",
            "listen = \"\(node.host):\(node.listenPort)\"",
            "admin = \"\(node.host):\(node.adminPort)\"",
            "",
        ]
        for peer in peers {
            lines += [
                "[[peer]]",
                "name = \"\(peer.node.name)\"",
                "address = \"\(peer.proxyHost):\(peer.proxyPort)\"",
                "public_key = \"\(peer.node.nodeID)\"",
                "",
            ]
        }
        lines += [
            "[[collection]]",
            "name = \"contacts\"",
            "match_key = \"email\"",
            "sets = [\"tags\"]",
            "",
            "[[adapter]]",
            "collection = \"contacts\"",
        ]
        switch adapter {
        case .sqlite(let file):
            lines += ["kind = \"sqlite\"", "database = \"\(file)\"", "table = \"\(schema.table)\""]
        case .postgres(let url):
            lines += ["kind = \"postgres\"", "database = \"\(url)\"", "table = \"public.\(schema.table)\""]
        }
        lines += [
            "key = \"\(schema.key)\"",
            // Random single-row deletes are never a mass delete to hold.
            "mass_delete_min_rows = 1000000",
            "[adapter.fields]",
        ]
        lines += NodeSchema.fields.map { "\($0) = \"\(schema.column($0))\"" }
        return lines.joined(separator: "\n") + "\n"
    }

    static func write(node: NodeProcess, peers: [Peer], schema: NodeSchema, adapter: Adapter) throws {
        try Data(text(node: node, peers: peers, schema: schema, adapter: adapter).utf8)
            .write(to: URL(fileURLWithPath: node.configPath))
    }
}
