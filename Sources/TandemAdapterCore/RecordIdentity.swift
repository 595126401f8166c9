public import TandemCore

/// How a row's record id is derived (pure): from its match key, so rows of
/// different systems that describe the same thing meet in one record, or,
/// without a match rule, from the adapter and the row's primary key.
public struct RecordIdentity: Hashable, Sendable {
    public var mapping: AdapterMapping
    public var schema: TableSchema
    public var limits: Limits

    public init(mapping: AdapterMapping, schema: TableSchema, limits: Limits = .default) {
        self.mapping = mapping
        self.schema = schema
        self.limits = limits
    }

    /// What a row is: the record it belongs to, or why it cannot be synced.
    public enum Outcome: Hashable, Sendable {
        case record(String)
        /// Both the match key and the fallback key are empty.
        case emptyKey
        /// The key cannot be a record id (too long, or not convertible).
        case invalidKey(String)
    }

    /// The record id for a row with primary key `key` and mapped columns `row`.
    public func recordID(key: String, row: [String: ExternalValue]) -> Outcome {
        guard let match = mapping.match else {
            return checked(mapping.name + ":" + key)
        }
        for field in [match.field] + (match.fallbackField.map { [$0] } ?? []) {
            guard let binding = mapping.binding(field: field), let type = schema.columns[binding.column] else { continue }
            let value: Value
            do {
                value = try ValueConversion.value(row[binding.column] ?? .null, column: binding.column, type: type)
            } catch {
                return .invalidKey(error.description)
            }
            guard let text = normalized(value, match) else { continue }
            return checked(field + ":" + text)
        }
        return .emptyKey
    }

    /// The value a row shows in `column` (of `type`) for a record that
    /// holds no `field`, when `field` is the match field (or fallback field)
    /// the record's id was derived from: the key in its compared form
    /// (`email:ann@example.com` shows `ann@example.com`), so a record that
    /// lost its key field (a delete concurrent with an edit of another
    /// field, semantics.md) keeps a row that is found by its key, never a
    /// second row of the same key. Nil otherwise, or when the key does not
    /// fit the column.
    public static func shownKey(
        of id: String, field: String, column: String, type: ColumnType, mapping: AdapterMapping
    ) -> Value? {
        guard let match = mapping.match, field == match.field || field == match.fallbackField else { return nil }
        let prefix = field + ":"
        guard id.hasPrefix(prefix), id.utf8.count > prefix.utf8.count,
              let external = try? ValueConversion.external(.string(String(id.dropFirst(prefix.count))), column: column, type: type)
        else { return nil }
        return try? ValueConversion.value(external, column: column, type: type)
    }

    /// The match key's comparable text, or nil when empty.
    func normalized(_ value: Value, _ rule: MatchRule) -> String? {
        var text: String
        switch value {
        case .null: return nil
        case .string(let string): text = string
        case .int(let number): text = String(number)
        case .double(let number): text = String(number)
        case .bool(let flag): text = flag ? "true" : "false"
        case .bytes(let bytes): text = Hex.encode(bytes)
        }
        if rule.trims { text = text.trimmed }
        if rule.foldsCase { text = text.lowercased() }
        text = Identifier.normalized(text)
        return text.isEmpty ? nil : text
    }

    private func checked(_ id: String) -> Outcome {
        let id = Identifier.normalized(id)
        guard id.utf8.count <= limits.maxIdentifierBytes else {
            return .invalidKey("record id of \(id.utf8.count) bytes exceeds \(limits.maxIdentifierBytes)")
        }
        return .record(id)
    }
}
