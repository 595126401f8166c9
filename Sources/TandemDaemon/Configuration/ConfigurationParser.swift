import TOMLKit
import TandemCore
import TandemRules

/// Turns the parsed TOML tables into settings, section by section, and
/// checks what spans sections (unique names, references). Internal to
/// ``NodeConfigurationFile``.
struct ConfigurationParser {
    let context: ParseContext

    struct Parsed {
        var node: NodeSettings
        var peers: [PeerSettings]
        var collections: [CollectionSettings]
        var adapters: [AdapterSettings]
        var alerts: AlertSettings
        var rules: [Rule]
    }

    static let topLevelKeys = ["node", "peer", "collection", "adapter", "alerts", "rule"]

    mutating func parse(_ table: TOMLTable) throws(ConfigurationError) -> Parsed {
        let root = TOMLSection(table: table, path: "", header: "", entry: nil, context: context)
        guard let nodeSection = try root.subsection("node") else {
            throw ConfigurationError(
                file: context.file, line: nil, key: "node",
                message: "missing section [node] (name, data_dir, key_file, listen)")
        }
        let node = try parseNode(nodeSection)
        let peers = try entries(root, "peer").map { section throws(ConfigurationError) in try parsePeer(section) }
        let collections = try entries(root, "collection").map { section throws(ConfigurationError) in
            try parseCollection(section)
        }
        let adapterSections = try entries(root, "adapter")
        var adapters: [AdapterSettings] = []
        for section in adapterSections { adapters.append(try parseAdapter(section)) }
        // An http adapter's state (outbox, key map, shadows) lives beside the node's store.
        for index in adapters.indices where adapters[index].kind == .http {
            let base = node.dataDirectory.hasSuffix("/") ? node.dataDirectory : node.dataDirectory + "/"
            let name = "\(adapters[index].collection)-\(adapters[index].table)".map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
            adapters[index].database = base + "http-" + String(name) + ".sqlite"
        }
        let alerts = try root.subsection("alerts").map { section throws(ConfigurationError) in try parseAlerts(section) }
            ?? AlertSettings()
        let ruleSections = try entries(root, "rule")
        var rules: [Rule] = []
        for section in ruleSections { rules.append(try parseRule(section, node: node, collections: collections)) }
        try root.finish(expected: Self.topLevelKeys.map { "[\($0)]" })

        try checkPeers(peers, node: node, root: root)
        try checkCollections(collections, node: node, peers: peers, root: root)
        for (index, adapter) in adapters.enumerated() where !collections.contains(where: { $0.name == adapter.collection }) {
            let known = collections.map(\.name)
            throw adapterSections[index].error(
                "collection",
                "no [[collection]] named \"\(adapter.collection)\"; "
                    + (known.isEmpty ? "the file defines none" : "expected one of: \(known.joined(separator: ", "))"))
        }
        // An adapter's name keys its cursor in the store: two adapters of
        // one collection on tables of the same name would share it.
        for (index, adapter) in adapters.enumerated() {
            if let first = adapters[..<index].firstIndex(where: { $0.name == adapter.name }) {
                throw adapterSections[index].error(
                    "table",
                    "adapter[\(first + 1)] already syncs a \(adapter.kind.rawValue) table \"\(adapter.table)\" with collection "
                        + "\"\(adapter.collection)\" (the adapter name \(adapter.name) must be unique on a node)")
            }
        }
        try checkRules(rules, sections: ruleSections)
        return Parsed(node: node, peers: peers, collections: collections, adapters: adapters, alerts: alerts, rules: rules)
    }

    /// The entries of an array of tables (`[[peer]]`), as sections.
    private func entries(_ root: TOMLSection, _ key: String) throws(ConfigurationError) -> [TOMLSection] {
        guard let value = root.value(key) else { return [] }
        guard let array = value.array else {
            throw root.error(key, "expected [[\(key)]] entries (an array of tables), got \(TOMLSection.describe(value))")
        }
        var sections: [TOMLSection] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else {
                throw root.error(key, "expected [[\(key)]] entries (an array of tables)")
            }
            sections.append(TOMLSection(
                table: table, path: "\(key)[\(index + 1)]", header: key, entry: index, context: context))
        }
        return sections
    }
}
