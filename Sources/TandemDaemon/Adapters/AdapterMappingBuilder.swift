public import TandemAdapterCore
public import TandemCore

/// Maps an `[[adapter]]` and its `[[collection]]` to the `AdapterMapping`
/// the adapter core runs on (pure).
///
/// - name: the adapter's stable name (``AdapterSettings/name``), under
///   which its cursor and key map are kept;
/// - fields: `[adapter.fields]`, each with its `[adapter.direction]` and
///   marked as a set when the collection lists it in `sets`;
/// - match rule: the collection's `match_key` and `fallback_match_key`
///   (trimmed, case folded); at least one of them must be a mapped field;
/// - owners: the collection's `owners`, node names mapped to node ids
///   (this node's name to its own id, a peer's to its key);
/// - mass deletes: `mass_delete_share` and `mass_delete_min_rows`.
public enum AdapterMappingBuilder {
    /// The mapping of `settings`, or a one-line reason it cannot be built.
    public static func mapping(
        _ settings: AdapterSettings, collection: CollectionSettings, configuration: NodeConfigurationFile, own: NodeID
    ) throws(DaemonError) -> AdapterMapping {
        let fields = settings.fields.sorted { $0.key < $1.key }.map { field, column in
            FieldBinding(
                field: field, column: column, direction: direction(settings.direction(of: field)),
                isSet: collection.sets.contains(field))
        }
        var match: MatchRule?
        if let key = collection.matchKey {
            let keys = [key] + (collection.fallbackMatchKey.map { [$0] } ?? [])
            guard keys.contains(where: { settings.fields[$0] != nil }) else {
                throw DaemonError.adapterFailed(
                    adapter: settings.name,
                    detail: "collection \(collection.name) matches records by \(keys.map { "\"\($0)\"" }.joined(separator: " or ")), and neither is a field of this adapter's [adapter.fields]")
            }
            match = MatchRule(field: key, fallbackField: collection.fallbackMatchKey)
        }
        var owners: [String: NodeID] = [:]
        for (field, name) in collection.owners {
            if name == configuration.node.name {
                owners[field] = own
            } else if let peer = configuration.peers.first(where: { $0.name == name }) {
                owners[field] = peer.publicKey
            } else {
                throw DaemonError.adapterFailed(
                    adapter: settings.name, detail: "collection \(collection.name) owner of \(field) is \"\(name)\", not this node or a peer")
            }
        }
        return AdapterMapping(
            name: settings.name, collection: settings.collection, table: settings.table, keyColumn: settings.key,
            fields: fields, match: match, owners: owners,
            massDeletes: MassDeletePolicy(share: settings.massDeleteShare, minimumRows: settings.massDeleteMinRows))
    }

    /// The protocol's field owners (`SyncConfiguration.fieldOwners`) of
    /// every collection: collection → field → node id.
    public static func fieldOwners(_ configuration: NodeConfigurationFile, own: NodeID) -> [String: [String: NodeID]] {
        var owners: [String: [String: NodeID]] = [:]
        for collection in configuration.collections where !collection.owners.isEmpty {
            var fields: [String: NodeID] = [:]
            for (field, name) in collection.owners {
                if name == configuration.node.name {
                    fields[Identifier.normalized(field)] = own
                } else if let peer = configuration.peers.first(where: { $0.name == name }) {
                    fields[Identifier.normalized(field)] = peer.publicKey
                }
            }
            owners[collection.name] = fields
        }
        return owners
    }

    static func direction(_ direction: AdapterSettings.Direction) -> FieldDirection {
        switch direction {
        case .both: .both
        case .in: .in
        case .out: .out
        }
    }
}
