import Foundation
import TandemAdapterCore

/// The SQL the SQLite driver installs in an external database, in one
/// place: the outbox, the key map, the control row that marks the driver's
/// own writes, and the capture triggers (docs/adapters.md shows it).
struct SQLiteCaptureSQL {
    let table: String
    let keyColumn: String

    /// The outbox's name, unquoted (as `sqlite_sequence` keeps it).
    var outboxName: String { "_tandem_outbox_" + table }
    var outbox: String { quoted(outboxName) }
    var keys: String { quoted("_tandem_keys_" + table) }
    var control: String { quoted("_tandem_control_" + table) }
    var quotedTable: String { quoted(table) }
    var quotedKey: String { quoted(keyColumn) }

    private func trigger(_ kind: String) -> String { quoted("_tandem_\(kind)_" + table) }

    /// Tables the driver owns (created if missing; never changed once made).
    var setup: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(outbox) (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                op TEXT NOT NULL,
                pk TEXT NOT NULL,
                old TEXT,
                new TEXT,
                edited_at_ms INTEGER NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS \(quoted("_tandem_outbox_pk_" + table)) ON \(outbox)(pk, seq)",
            """
            CREATE TABLE IF NOT EXISTS \(keys) (
                pk TEXT PRIMARY KEY,
                record TEXT NOT NULL UNIQUE)
            """,
            "CREATE TABLE IF NOT EXISTS \(control) (applying INTEGER NOT NULL)",
            "INSERT INTO \(control) (applying) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM \(control))",
        ]
    }

    /// Milliseconds since the Unix epoch of the SQL Julian day
    /// `julianDay`, rounded: the day number is a double, and truncating
    /// `(day - 2440587.5) * 86400000` stamped about half of all edits one
    /// millisecond early, which could tie an edit with an earlier one.
    static func unixMillis(julianDay: String) -> String {
        "CAST(ROUND((\(julianDay) - 2440587.5) * 86400000) AS INTEGER)"
    }

    /// The capture triggers for `columns` (dropped and recreated, so a new
    /// mapping replaces the old one).
    func triggers(columns: [String]) -> [String] {
        let quiet = "coalesce((SELECT applying FROM \(control) LIMIT 1), 0) = 0"
        let now = Self.unixMillis(julianDay: "julianday('now')")
        let changed = columns.map { "OLD.\(quoted($0)) IS NOT NEW.\(quoted($0))" }.joined(separator: " OR ")
        return drop + [
            """
            CREATE TRIGGER \(trigger("insert")) AFTER INSERT ON \(quotedTable) WHEN \(quiet) BEGIN
                INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                VALUES ('insert', CAST(NEW.\(quotedKey) AS TEXT), NULL, \(json("NEW", columns)), \(now));
            END
            """,
            """
            CREATE TRIGGER \(trigger("update")) AFTER UPDATE ON \(quotedTable)
            WHEN \(quiet) AND (\(columns.isEmpty ? "0" : changed) OR OLD.\(quotedKey) IS NOT NEW.\(quotedKey)) BEGIN
                INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                SELECT 'update', CAST(NEW.\(quotedKey) AS TEXT), \(json("OLD", columns)), \(json("NEW", columns)), \(now)
                WHERE OLD.\(quotedKey) IS NEW.\(quotedKey);
                INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                SELECT 'delete', CAST(OLD.\(quotedKey) AS TEXT), \(json("OLD", columns)), NULL, \(now)
                WHERE OLD.\(quotedKey) IS NOT NEW.\(quotedKey);
                INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                SELECT 'insert', CAST(NEW.\(quotedKey) AS TEXT), NULL, \(json("NEW", columns)), \(now)
                WHERE OLD.\(quotedKey) IS NOT NEW.\(quotedKey);
            END
            """,
            """
            CREATE TRIGGER \(trigger("delete")) AFTER DELETE ON \(quotedTable) WHEN \(quiet) BEGIN
                INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                VALUES ('delete', CAST(OLD.\(quotedKey) AS TEXT), \(json("OLD", columns)), NULL, \(now));
            END
            """,
        ]
    }

    var drop: [String] {
        ["insert", "update", "delete"].map { "DROP TRIGGER IF EXISTS \(trigger($0))" }
    }

    var detach: [String] {
        drop + ["DROP TABLE IF EXISTS \(outbox)", "DROP TABLE IF EXISTS \(keys)", "DROP TABLE IF EXISTS \(control)"]
    }

    /// A JSON object of `columns` of `row` (`NEW`, `OLD` or a table alias).
    /// Blobs become hex text: JSON cannot hold them, and a trigger that
    /// failed would fail the other program's write.
    func json(_ row: String, _ columns: [String]) -> String {
        let pairs = columns.map { column in
            let value = "\(row).\(quoted(column))"
            return "'\(column.replacingOccurrences(of: "'", with: "''"))', "
                + "CASE WHEN typeof(\(value)) = 'blob' THEN hex(\(value)) ELSE \(value) END"
        }
        return "json_object(" + pairs.joined(separator: ", ") + ")"
    }
}

/// `name` as a quoted SQL identifier. (Built per statement run: names
/// without a quote, the usual case, skip Foundation's search and replace.)
func quoted(_ name: String) -> String {
    guard name.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + name + "\"" }
    return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
