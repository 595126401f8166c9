import TandemAdapterCore

/// SQL text helpers: identifiers are always double-quoted (embedded quotes
/// doubled); the only literals the driver writes are in DDL (the trigger
/// function's column list), single-quoted with embedded quotes doubled.
/// Values are never put into SQL text: they are bound.
enum SQL {
    /// `name` as a quoted identifier.
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// `text` as a string literal (standard_conforming_strings is on in the
    /// driver's sessions, so backslashes are plain characters).
    static func literal(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "''") + "'"
    }
}

/// The table the driver syncs, as configured: `table` or `schema.table`
/// (either part may be double-quoted to hold a dot). Names are taken
/// exactly as written (case-sensitive), not folded to lower case.
struct TableName: Hashable, Sendable {
    var schema: String?
    var name: String

    init(parsing text: String) throws(AdapterError) {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var iterator = Array(text).makeIterator()
        var pendingQuote = false
        while let character = iterator.next() {
            if pendingQuote {
                pendingQuote = false
                if character == "\"" { current.append("\""); continue }
                quoted = false
            }
            if quoted {
                if character == "\"" { pendingQuote = true } else { current.append(character) }
                continue
            }
            switch character {
            case "\"":
                guard current.isEmpty else { throw AdapterError.driver("bad table name \(text): quote inside a name") }
                quoted = true
            case ".":
                parts.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        if quoted && !pendingQuote { throw AdapterError.driver("bad table name \(text): unclosed quote") }
        parts.append(current)
        guard parts.allSatisfy({ !$0.isEmpty }) else { throw AdapterError.driver("bad table name \(text): empty part") }
        switch parts.count {
        case 1: schema = nil; name = parts[0]
        case 2: schema = parts[0]; name = parts[1]
        default: throw AdapterError.driver("bad table name \(text): expected table or schema.table")
        }
    }

    /// The name as `to_regclass` reads it (quoted parts).
    var regclassText: String {
        (schema.map { SQL.identifier($0) + "." } ?? "") + SQL.identifier(name)
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
