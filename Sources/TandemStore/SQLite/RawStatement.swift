import GRDB
import GRDBSQLite

/// A prepared statement of the per-record hot path (reading a record,
/// writing its entries, keeping its leaf digest), stepped through SQLite's
/// C API.
///
/// GRDB's `execute(arguments:)` and `Row.fetchAll` box every argument as an
/// existential, build an argument array and `Row` objects, and look the
/// statement up by hashing its SQL text: for the one-row statements a
/// commit runs per changed field, that was about as much CPU as SQLite's
/// own work. A `RawStatement` binds and reads columns directly. It borrows
/// a statement from the connection's statement cache (GRDB owns and
/// finalizes it); `SQLiteRows` keeps it for one transaction, and every use
/// resets it first and after, so it never holds bindings or an open cursor
/// between uses.
///
/// Strings are bound as TEXT of their exact UTF-8 bytes (like `SQLText`
/// under `CAST(? AS TEXT)`, so an id holding U+0000 is bound whole) and read
/// back from the column's bytes.
struct RawStatement {
    /// Held so the handle stays valid even if GRDB's cache lets it go.
    private let statement: Statement
    private let handle: OpaquePointer

    init(_ statement: Statement) {
        self.statement = statement
        handle = statement.sqliteStatement
    }

    /// Clears the previous use: cursor and bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ index: Int32, _ value: Int64) throws(DatabaseError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ index: Int32, text: String) throws(DatabaseError) {
        var text = text
        let code = text.withUTF8 { buffer in
            // A NULL pointer would bind NULL: the empty string binds as ''.
            buffer.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(handle, index, chars.baseAddress ?? Self.empty, Int32(chars.count), Self.transient)
            }
        }
        try check(code)
    }

    func bind(_ index: Int32, text: String?) throws(DatabaseError) {
        if let text { try bind(index, text: text) } else { try bindNull(index) }
    }

    func bind(_ index: Int32, bytes: [UInt8]?) throws(DatabaseError) {
        guard let bytes else { return try bindNull(index) }
        let code = bytes.withUnsafeBytes { buffer in
            // A zero-length blob with a NULL pointer would bind NULL.
            sqlite3_bind_blob(handle, index, buffer.baseAddress ?? UnsafeRawPointer(Self.empty), Int32(buffer.count), Self.transient)
        }
        try check(code)
    }

    func bindNull(_ index: Int32) throws(DatabaseError) {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Steps once: true when a row is ready, false when done.
    func step() throws(DatabaseError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(code)
        }
    }

    /// Steps a statement that returns no rows, then resets it.
    func run() throws(DatabaseError) {
        defer { reset() }
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// The column's bytes (a TEXT column's exact UTF-8 bytes).
    func bytes(_ column: Int32) -> [UInt8] {
        withBytes(column) { [UInt8]($0) }
    }

    /// The column's bytes as a string.
    func string(_ column: Int32) -> String {
        withBytes(column) { String(decoding: $0, as: UTF8.self) }
    }

    private func withBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        // `sqlite3_column_blob` first (it may convert), then the length.
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }

    private func check(_ code: Int32) throws(DatabaseError) {
        if code != SQLITE_OK { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        let connection = sqlite3_db_handle(handle)
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        let sql = sqlite3_sql(handle).map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }

    /// SQLite copies bound values (`SQLITE_TRANSIENT`).
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    /// A valid pointer for zero-length values (a static NUL byte; SQLite
    /// reads none of it).
    private static var empty: UnsafePointer<CChar> {
        UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
