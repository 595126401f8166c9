/// Where a node keeps its state: `[node] store`.
///
/// - `sqlite` (the default): `tandem.sqlite` in `data_dir`, embedded,
///   needing nothing else (`SQLiteStore`).
/// - `postgres://user@host:port/database?schema=name`: a schema of a
///   PostgreSQL database (`PostgresStore`); the password comes from the
///   environment (`PGPASSWORD`, or the variable `password_env=VAR` names),
///   never from the file. The URL was checked when the file was read.
public enum NodeStoreSetting: Hashable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres(url: String)

    public var description: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres(let url): url
        }
    }
}
