import Foundation

/// The canonical fields every node's table maps, and the spelling of one
/// node's table: each node names its table and columns differently, so the
/// checks compare tables only through the mapping, as the adapters do.
public struct NodeSchema: Sendable {
    /// The canonical fields, in a fixed order: `email` is the match key,
    /// `tags` the add-wins set field, the rest last-writer-wins.
    public static let fields = ["email", "name", "phone", "note", "tags"]
    /// The fields compared as last-writer-wins values.
    public static let registerFields = ["email", "name", "phone", "note"]
    /// The set field.
    public static let setField = "tags"

    public var table: String
    public var key: String
    /// Canonical field to column.
    public var columns: [String: String]
    /// A column the sync does not map (left alone by the adapters).
    public var unmapped: String

    /// The spelling of node `index` (three spellings, in turn).
    public static func forNode(_ index: Int) -> NodeSchema {
        switch index % 3 {
        case 0:
            NodeSchema(
                table: "customers", key: "id",
                columns: ["email": "email", "name": "full_name", "phone": "phone", "note": "notes", "tags": "tags"],
                unmapped: "tickets")
        case 1:
            NodeSchema(
                table: "contacts", key: "contact_id",
                columns: ["email": "mail", "name": "name", "phone": "tel", "note": "remark", "tags": "labels"],
                unmapped: "visits")
        default:
            NodeSchema(
                table: "people", key: "pid",
                columns: ["email": "email_address", "name": "display_name", "phone": "phone_number", "note": "comment", "tags": "categories"],
                unmapped: "score")
        }
    }

    /// The column of canonical `field` (the field's own name if unmapped,
    /// which never happens for `fields`).
    public func column(_ field: String) -> String { columns[field] ?? field }

    /// `CREATE TABLE` for this spelling (SQLite).
    public var createSQL: String {
        """
        CREATE TABLE "\(table)" ("\(key)" INTEGER PRIMARY KEY AUTOINCREMENT, "\(column("email"))" TEXT, \
        "\(column("name"))" TEXT, "\(column("phone"))" TEXT, "\(column("note"))" TEXT, \
        "\(column("tags"))" TEXT, "\(unmapped)" INTEGER DEFAULT 0)
        """
    }

    /// The record key of an email, as the adapters match it: trimmed and
    /// case folded.
    public static func matchKey(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
