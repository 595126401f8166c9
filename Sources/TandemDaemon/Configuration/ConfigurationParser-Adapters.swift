extension ConfigurationParser {
    static let adapterKeys = [
        "collection", "kind", "database", "table", "key", "fields", "direction",
        "mass_delete_share", "mass_delete_min_rows", "poll_interval_ms",
    ]

    func parseAdapter(_ section: TOMLSection) throws(ConfigurationError) -> AdapterSettings {
        let collection = try section.requiredString("collection", "the [[collection]] this table maps to")
        let kindText = try section.requiredString("kind", "\"sqlite\" or \"postgres\"")
        guard let kind = AdapterSettings.Kind(rawValue: kindText) else {
            throw section.error("kind", "expected \"sqlite\" or \"postgres\", got \"\(kindText)\"")
        }
        var database = try section.requiredString("database", "a SQLite file path or a postgres:// URL")
        switch kind {
        case .sqlite:
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

    private func fieldError(_ section: TOMLSection, _ table: String, _ field: String, _ message: String) -> ConfigurationError {
        TOMLSection(
            table: section.table, path: section.path + "." + table, header: section.header + "." + table,
            entry: section.entry, context: context
        ).error(field, message)
    }
}
