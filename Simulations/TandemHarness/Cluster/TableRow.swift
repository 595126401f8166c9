import Foundation

/// One row of an external table in canonical terms: its last-writer-wins
/// fields (absent: NULL) and its set field as a sorted set (NULL: empty).
public struct TableRow: Hashable, Sendable {
    public var fields: [String: String]
    public var tags: [String]
    /// The match key of the record the adapter's key map says this row
    /// shows (nil: not mapped yet). A record can lose its email field (a
    /// delete concurrent with an update of another field keeps the record
    /// with the update alone), so the row's email is not always its key.
    public var mappedKey: String?

    public init(fields: [String: String], tags: [String], mappedKey: String? = nil) {
        self.fields = fields
        self.tags = tags
        self.mappedKey = mappedKey
    }

    /// The row's match key: its record's, or else its email's.
    public var key: String { mappedKey ?? NodeSchema.matchKey(fields["email"] ?? "") }

    /// The match key in a record id of the key map (`email:ada@example.com`).
    static func key(recordID: String?) -> String? {
        guard let recordID, recordID.hasPrefix("email:") else { return nil }
        return String(recordID.dropFirst("email:".count))
    }

    /// A set field's column text (a JSON array) as a sorted set; NULL and
    /// text that is not a JSON array of strings are compared as written.
    public static func tags(fromColumn text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else { return ["<not a JSON array: \(text)>"] }
        return Array(Set(array.map { ($0 as? String) ?? "\($0)" })).sorted()
    }

    /// The column text the harness writes for a set.
    public static func column(tags: [String]) -> String {
        let sorted = Array(Set(tags)).sorted()
        guard let data = try? JSONSerialization.data(withJSONObject: sorted) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A short text for a difference report (large values by size).
    public func describe(_ field: String) -> String {
        if field == NodeSchema.setField { return "\(tags)" }
        guard let value = fields[field] else { return "NULL" }
        return value.utf8.count > 64 ? "<\(value.utf8.count) bytes, starts \(value.prefix(24).debugDescription)>" : value.debugDescription
    }
}
