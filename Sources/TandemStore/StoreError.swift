public import TandemCore

/// Why a store refused to open or to commit. Every case names the file (or
/// the store) and the cause; a store that throws has changed nothing.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file exists but is not a Tandem database (another application's
    /// SQLite file, or not SQLite at all). It is never modified.
    case notATandemDatabase(path: String, detail: String)
    /// The file was written by a newer Tandem whose format this build does
    /// not understand. It is never modified.
    case newerFormat(path: String, unknownMigrations: [String])
    /// The data directory belongs to another node.
    case wrongNode(path: String, stored: NodeID, opening: NodeID)
    /// The disk (or the database's size limit) is full; the transaction was
    /// rolled back.
    case diskFull(path: String)
    /// The file or its directory cannot be written.
    case readOnly(path: String, detail: String)
    /// The file cannot be opened or created.
    case cannotOpen(path: String, detail: String)
    /// SQLite reports the file as corrupt.
    case corrupt(path: String, detail: String)
    /// Stored data could not be decoded (a row that is not canonical).
    case malformedRow(path: String, table: String, detail: String)
    /// Any other database failure.
    case database(path: String, detail: String)
    /// The store was closed, or a simulated crash is in progress.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notATandemDatabase(let path, let detail):
            "\(path) is not a Tandem database (\(detail)); refusing to open or modify it"
        case .newerFormat(let path, let unknown):
            "\(path) was written by a newer Tandem (unknown format steps: \(unknown.joined(separator: ", "))); upgrade Tandem to open it"
        case .wrongNode(let path, let stored, let opening):
            "\(path) belongs to node \(stored.hex), not to node \(opening.hex)"
        case .diskFull(let path):
            "\(path): the disk is full; the change was not committed"
        case .readOnly(let path, let detail):
            "\(path) cannot be written (\(detail)); check the data directory's permissions and mount"
        case .cannotOpen(let path, let detail):
            "\(path) cannot be opened (\(detail))"
        case .corrupt(let path, let detail):
            "\(path) is corrupt (\(detail)); restore it from a backup or resync this node from its peers"
        case .malformedRow(let path, let table, let detail):
            "\(path): a row of table \(table) cannot be decoded (\(detail))"
        case .database(let path, let detail):
            "\(path): database error: \(detail)"
        case .unavailable(let detail):
            "store unavailable: \(detail)"
        }
    }
}
