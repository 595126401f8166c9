public import TandemStore

/// Where a `PostgresStore` keeps a node's state: a PostgreSQL database and a
/// schema inside it, parsed from
/// `postgres://user@host[:port]/database[?schema=name][&password_env=VAR][&sslmode=disable]`
/// (`postgresql://` is accepted too).
///
/// - `schema` (default `tandem`): lower-case letters, digits and `_`,
///   starting with a letter or `_`, at most 63 bytes, not `pg_…`. Several
///   nodes share one database by using one schema each.
/// - The password is never part of the URL (a configuration file is no
///   place for a secret; a URL with one is refused): it comes from the
///   environment variable named by `password_env`, else from `PGPASSWORD`
///   (as for psql), else there is none (trust, peer or certificate
///   authentication on the server's side).
/// - The store connects without TLS: `sslmode=disable` (or `prefer`,
///   `allow`) is accepted, any other `sslmode` is refused rather than
///   silently ignored.
///
/// Percent-encoding is decoded in the user and the database name.
public struct PostgresStoreLocation: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var schema: String
    /// The password found in the environment, if any (never printed).
    public var password: String?
    /// Where the password came from, for messages: `PGPASSWORD`, the
    /// variable `password_env` names, or nil.
    public var passwordSource: String?

    /// The schema used when the URL names none.
    public static let defaultSchema = "tandem"

    /// Parses `text`, taking the password from `environment`.
    ///
    /// - Throws: `StoreError.cannotOpen` saying what is wrong with the URL.
    public init(_ text: String, environment: [String: String]) throws(StoreError) {
        func bad(_ problem: String) -> StoreError {
            .cannotOpen(path: Self.redacted(text), detail: "bad PostgreSQL store URL: \(problem)")
        }
        var rest = Substring(text)
        guard let separator = rest.firstRange(of: "://") else {
            throw bad("expected postgres://user@host:port/database?schema=name")
        }
        let scheme = rest[..<separator.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else { throw bad("the scheme must be postgres:// or postgresql://") }
        rest = rest[separator.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else { throw bad("no user (postgres://user@host/database)") }
        let userInfo = rest[..<at]
        rest = rest[rest.index(after: at)...]
        if userInfo.contains(":") {
            throw bad("a password in the URL is refused; set PGPASSWORD, or name a variable with password_env=VAR")
        }
        guard let user = Self.percentDecoded(userInfo), !user.isEmpty else { throw bad("no user (postgres://user@host/database)") }
        self.user = user
        var hostPart = rest
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw bad("unclosed [ in the host") }
            let after = hostPart[hostPart.index(after: close)...]
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { throw bad("junk after the host") }
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw bad("no host") }
        host = String(hostPart)
        if let portPart {
            guard let number = Int(portPart), (1...65_535).contains(number) else { throw bad("port \(portPart) is not a port number") }
            port = number
        } else {
            port = 5432
        }
        guard let database = Self.percentDecoded(path), !database.isEmpty, !database.contains("/") else {
            throw bad("no database name after the host (postgres://user@host:port/database)")
        }
        self.database = database
        var schema = Self.defaultSchema
        var passwordVariable: String?
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw bad("query parameter \(pair) has no value") }
            let value = String(parts[1])
            switch parts[0] {
            case "schema":
                if let problem = Self.schemaProblem(value) { throw bad("schema \(value.debugDescription): \(problem)") }
                schema = value
            case "password_env":
                guard !value.isEmpty else { throw bad("password_env names no variable") }
                passwordVariable = value
            case "sslmode":
                guard value == "disable" || value == "prefer" || value == "allow" else {
                    throw bad("sslmode=\(value) is not supported (the store connects without TLS)")
                }
            case "application_name", "connect_timeout":
                continue
            default:
                throw bad("unknown query parameter \(parts[0]) (known: schema, password_env, sslmode)")
            }
        }
        self.schema = schema
        if let passwordVariable {
            guard let password = environment[passwordVariable] else {
                throw bad("password_env=\(passwordVariable), but the environment variable \(passwordVariable) is not set")
            }
            self.password = password
            passwordSource = passwordVariable
        } else if let password = environment["PGPASSWORD"] {
            self.password = password
            passwordSource = "PGPASSWORD"
        } else {
            password = nil
            passwordSource = nil
        }
    }

    /// The location, without any password: `postgres://user@host:port/database?schema=name`.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostText):\(port)/\(database)?schema=\(schema)"
    }

    /// `text` with any password replaced by `***`, for error messages.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// Why `name` cannot be a schema name, or nil if it can.
    static func schemaProblem(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= 63 else { return "must be 1 to 63 characters" }
        guard name.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }) else {
            return "only lower-case letters, digits and _ are allowed"
        }
        guard let first = name.utf8.first, !(48...57).contains(first) else { return "must not start with a digit" }
        guard !name.hasPrefix("pg_") else { return "names starting with pg_ are reserved by PostgreSQL" }
        return nil
    }

    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: byte - 48
            case 97...102: byte - 87
            case 65...70: byte - 55
            default: nil
            }
        }
        while let byte = iterator.next() {
            if byte == 37 {  // %
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
