/// One edit the harness makes to a node's external table from outside the
/// node, as another program would.
public enum ExternalEdit: Sendable, Hashable {
    /// Insert a row with this email (possibly in another case than other
    /// nodes use) and these field values; if the table already holds a row
    /// with the same match key, update that row's fields instead.
    case insert(email: String, values: [String: String], tags: [String])
    /// Update these fields of the row with this match key.
    case update(key: String, values: [String: String])
    /// Delete the row with this match key.
    case delete(key: String)
    /// Add a tag to the row's set field.
    case addTag(key: String, tag: String)
    /// Remove a tag from the row's set field.
    case removeTag(key: String, tag: String)

    /// The match key of the row it edits.
    public var key: String {
        switch self {
        case .insert(let email, _, _): NodeSchema.matchKey(email)
        case .update(let key, _), .delete(let key), .addTag(let key, _), .removeTag(let key, _): key
        }
    }

    /// How the schedule prints it (large values by their size).
    public var description: String {
        switch self {
        case .insert(let email, let values, let tags):
            "insert \(email) \(Self.describe(values)) tags=\(tags)"
        case .update(let key, let values): "update \(key) \(Self.describe(values))"
        case .delete(let key): "delete \(key)"
        case .addTag(let key, let tag): "add tag \(tag) to \(key)"
        case .removeTag(let key, let tag): "remove tag \(tag) from \(key)"
        }
    }

    private static func describe(_ values: [String: String]) -> String {
        values.keys.sorted().map { field in
            let value = values[field] ?? ""
            return value.utf8.count > 64 ? "\(field)=<\(value.utf8.count) bytes>" : "\(field)=\"\(value)\""
        }.joined(separator: " ")
    }
}
