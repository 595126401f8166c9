import TandemHTTPAdapter

extension ConfigurationParser {
    static let adapterKeys = [
        "collection", "kind", "database", "table", "key", "fields", "direction",
        "mass_delete_share", "mass_delete_min_rows", "poll_interval_ms", "connector",
    ]

    func parseAdapter(_ section: TOMLSection) throws(ConfigurationError) -> AdapterSettings {
        let collection = try section.requiredString("collection", "the [[collection]] this table maps to")
        let kindText = try section.requiredString("kind", "\"sqlite\", \"postgres\" or \"http\"")
        guard let kind = AdapterSettings.Kind(rawValue: kindText) else {
            throw section.error("kind", "expected \"sqlite\", \"postgres\" or \"http\", got \"\(kindText)\"")
        }
        if kind == .http { return try parseHTTPAdapter(section, collection: collection) }
        if section.contains("connector") {
            throw section.error("connector", "only an adapter of kind \"http\" takes a connector file")
        }
        var database = try section.requiredString("database", "a SQLite file path or a postgres:// URL")
        switch kind {
        case .sqlite, .http:
            database = context.resolve(database)
        case .postgres:
            guard database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") else {
                throw section.error("database", "expected a postgres:// or postgresql:// URL for kind \"postgres\", got \"\(database)\"")
            }
        }
        let table = try section.requiredString("table", "the external table")
        let key = try section.requiredString("key", "the table's primary key column")
        guard let fields = try section.stringTable("fields") else {
            throw section.error(nil, "missing table [adapter.fields] (canonical field = external column)")
        }
        guard !fields.isEmpty else { throw section.error("fields", "must map at least one field to a column") }
        for (field, column) in fields.sorted(by: { $0.key < $1.key }) where column.isEmpty {
            throw fieldError(section, "fields", field, "must name a column, not be empty")
        }
        var direction: [String: AdapterSettings.Direction] = [:]
        for (field, text) in (try section.stringTable("direction") ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let value = AdapterSettings.Direction(rawValue: text) else {
                throw fieldError(section, "direction", field, "expected \"both\", \"in\" or \"out\", got \"\(text)\"")
            }
            guard fields[field] != nil else {
                throw fieldError(section, "direction", field, "is not a field of [adapter.fields]")
            }
            direction[field] = value
        }
        let share = try section.double("mass_delete_share") ?? AdapterSettings.defaultMassDeleteShare
        guard share > 0, share <= 1 else {
            throw section.error("mass_delete_share", "expected a share of the table above 0 and at most 1, got \(share)")
        }
        let minRows = try section.int("mass_delete_min_rows") ?? AdapterSettings.defaultMassDeleteMinRows
        guard minRows >= 0 else { throw section.error("mass_delete_min_rows", "expected 0 or more rows, got \(minRows)") }
        let poll = try section.int("poll_interval_ms") ?? AdapterSettings.defaultPollIntervalMillis
        guard poll >= 1 else { throw section.error("poll_interval_ms", "expected 1 or more milliseconds, got \(poll)") }
        try section.finish(expected: Self.adapterKeys)
        return AdapterSettings(
            collection: collection, kind: kind, database: database, table: table, key: key, fields: fields,
            direction: direction, massDeleteShare: share, massDeleteMinRows: minRows, pollIntervalMillis: poll)
    }

    /// An `http` adapter: `connector` (a connector file, relative to this
    /// file) instead of `database`, `table` and `key` (the connector's
    /// object and its `id`); its state file is set by ``parse(_:)`` once
    /// `data_dir` is known.
    private func parseHTTPAdapter(_ section: TOMLSection, collection: String) throws(ConfigurationError) -> AdapterSettings {
        for key in ["database", "table", "key"] where section.contains(key) {
            throw section.error(key, "not used by kind \"http\": the connector file names the API, its object and its key")
        }
        let path = context.resolve(try section.requiredString("connector", "the connector file describing the API"))
        let connector = try HTTPConnectorFile.load(path: path)
        guard let fields = try section.stringTable("fields") else {
            throw section.error(nil, "missing table [adapter.fields] (canonical field = connector field)")
        }
        guard !fields.isEmpty else { throw section.error("fields", "must map at least one field to a connector field") }
        for (field, name) in fields.sorted(by: { $0.key < $1.key }) where connector.fields[name] == nil {
            throw fieldError(
                section, "fields", field,
                "\"\(name)\" is not a field of connector \(path); expected one of: \(connector.fields.keys.sorted().joined(separator: ", "))")
        }
        var direction: [String: AdapterSettings.Direction] = [:]
        for (field, text) in (try section.stringTable("direction") ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let value = AdapterSettings.Direction(rawValue: text) else {
                throw fieldError(section, "direction", field, "expected \"both\", \"in\" or \"out\", got \"\(text)\"")
            }
            guard fields[field] != nil else { throw fieldError(section, "direction", field, "is not a field of [adapter.fields]") }
            direction[field] = value
        }
        let share = try section.double("mass_delete_share") ?? AdapterSettings.defaultMassDeleteShare
        guard share > 0, share <= 1 else {
            throw section.error("mass_delete_share", "expected a share of the table above 0 and at most 1, got \(share)")
        }
        let minRows = try section.int("mass_delete_min_rows") ?? AdapterSettings.defaultMassDeleteMinRows
        guard minRows >= 0 else { throw section.error("mass_delete_min_rows", "expected 0 or more rows, got \(minRows)") }
        if section.contains("poll_interval_ms") {
            throw section.error("poll_interval_ms", "not used by kind \"http\": set [polling] interval_ms in the connector file")
        }
        try section.finish(expected: Self.adapterKeys)
        return AdapterSettings(
            collection: collection, kind: .http, database: "", table: connector.object, key: HTTPDriver.keyColumn,
            fields: fields, direction: direction, massDeleteShare: share, massDeleteMinRows: minRows,
            connector: connector, connectorPath: path)
    }

    private func fieldError(_ section: TOMLSection, _ table: String, _ field: String, _ message: String) -> ConfigurationError {
        TOMLSection(
            table: section.table, path: section.path + "." + table, header: section.header + "." + table,
            entry: section.entry, context: context
        ).error(field, message)
    }
}
