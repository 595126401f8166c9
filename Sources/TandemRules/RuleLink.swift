public import TandemCore

/// How a link field's value names a record of another collection.
///
/// A collection whose records come from adapters with a match key has
/// record ids `<match field>:<key>` (trimmed, case folded, NFC: the
/// adapters' `RecordIdentity`); otherwise the link value is the record id
/// itself (a record id copied into the field, as a rule's `link_back`
/// writes it).
public enum RuleLink: Hashable, Sendable {
    /// The link value is the record id.
    case recordID
    /// The record id is `field:` + the link value trimmed, case folded and
    /// in NFC, as adapters derive ids from the collection's match key.
    case matchKey(field: String)

    /// The record id `value` links to, or nil for an empty or null value.
    public func recordID(for value: Value) -> String? {
        var text: String
        switch value {
        case .null: return nil
        case .string(let string): text = string
        case .int(let number): text = String(number)
        case .double(let number): text = String(number)
        case .bool(let flag): text = flag ? "true" : "false"
        case .bytes(let bytes): text = Hex.encode(bytes)
        }
        switch self {
        case .recordID:
            text = Identifier.normalized(text)
            return text.isEmpty ? nil : text
        case .matchKey(let field):
            text = Identifier.normalized(Self.trimmed(text).lowercased())
            return text.isEmpty ? nil : field + ":" + text
        }
    }

    private static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
