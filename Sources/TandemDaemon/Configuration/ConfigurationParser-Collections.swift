import TOMLKit

extension ConfigurationParser {
    static let collectionKeys = ["name", "match_key", "fallback_match_key", "sets", "owners"]

    func parseCollection(_ section: TOMLSection) throws(ConfigurationError) -> CollectionSettings {
        let name = try section.requiredString("name", "the collection's name")
        let matchKey = try section.string("match_key")
        let fallback = try section.string("fallback_match_key")
        let sets = try section.stringArray("sets") ?? []
        let owners = try section.stringTable("owners") ?? [:]
        try section.finish(expected: Self.collectionKeys)
        if matchKey?.isEmpty == true { throw section.error("match_key", "must not be empty (a field name)") }
        if fallback?.isEmpty == true { throw section.error("fallback_match_key", "must not be empty (a field name)") }
        if fallback != nil && matchKey == nil {
            throw section.error("fallback_match_key", "is used where match_key is empty: set match_key too")
        }
        var seen: Set<String> = []
        for field in sets where !seen.insert(field).inserted || field.isEmpty {
            throw section.error("sets", field.isEmpty ? "a set field name must not be empty" : "\"\(field)\" is listed twice")
        }
        return CollectionSettings(name: name, matchKey: matchKey, fallbackMatchKey: fallback, sets: sets, owners: owners)
    }

    func checkCollections(
        _ collections: [CollectionSettings], node: NodeSettings, peers: [PeerSettings], root: TOMLSection
    ) throws(ConfigurationError) {
        var names: Set<String> = []
        let nodes = [node.name] + peers.map(\.name)
        for (index, collection) in collections.enumerated() {
            let section = TOMLSection(
                table: TOMLTable(), path: "collection[\(index + 1)]", header: "collection", entry: index, context: context)
            guard names.insert(collection.name).inserted else {
                throw section.error("name", "another [[collection]] is already named \"\(collection.name)\"; names must be unique")
            }
            for (field, owner) in collection.owners.sorted(by: { $0.key < $1.key }) where !nodes.contains(owner) {
                let owners = TOMLSection(
                    table: TOMLTable(), path: section.path + ".owners", header: "collection.owners", entry: index,
                    context: context)
                throw owners.error(
                    field, "\"\(owner)\" is neither this node nor a [[peer]]; expected one of: \(nodes.joined(separator: ", "))")
            }
        }
    }
}
