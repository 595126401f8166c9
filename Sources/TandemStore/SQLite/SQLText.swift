import Foundation
import GRDB

/// A string bound to SQLite as its exact UTF-8 bytes.
///
/// GRDB binds a Swift `String` as a NUL-terminated C string, and copies
/// TEXT into a `Row` up to the first NUL, so a record id, field name or
/// collection name holding U+0000 (which the core accepts) would be
/// truncated and merged with another one. Hence, in every statement that
/// takes or returns such a string:
/// - bind `SQLText(string)` under `CAST(? AS TEXT)`, which stores TEXT of
///   the exact length (compared, ordered and indexed bytewise as before);
/// - read with `Data.fetch…` (which reads a TEXT column's bytes exactly),
///   or, in a `Row`, select `CAST(column AS BLOB)`; decode with
///   `String(sqlBytes:)`.
struct SQLText: DatabaseValueConvertible {
    var string: String

    init(_ string: String) { self.string = string }

    var databaseValue: DatabaseValue {
        // An empty blob binds as NULL; the empty string binds as ''.
        string.isEmpty ? string.databaseValue : Data(string.utf8).databaseValue
    }

    static func fromDatabaseValue(_ dbValue: DatabaseValue) -> SQLText? {
        Data.fromDatabaseValue(dbValue).map { SQLText(String(sqlBytes: $0)) }
    }
}

extension String {
    /// A string read back from its stored UTF-8 bytes.
    init(sqlBytes bytes: Data) {
        self.init(decoding: bytes, as: UTF8.self)
    }
}
