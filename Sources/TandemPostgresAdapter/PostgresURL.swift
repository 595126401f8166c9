public import TandemAdapterCore

/// A PostgreSQL connection URL taken apart:
/// `postgres://user[:password]@host[:port]/database` (also `postgresql://`).
///
/// User, password and database may be percent-encoded. The driver connects
/// without TLS (loopback and trusted networks); `sslmode=disable` or
/// `sslmode=prefer` are accepted, any other `sslmode` is refused rather than
/// silently ignored.
public struct PostgresURL: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    /// Parses `text`.
    ///
    /// - Throws: `AdapterError.driver` saying what is wrong with the URL.
    public init(_ text: String) throws(AdapterError) {
        func bad(_ problem: String) -> AdapterError {
            .driver("bad PostgreSQL URL \(PostgresURL.redacted(text)): \(problem)")
        }
        var rest = Substring(text)
        if let range = rest.firstRange(of: "://") {
            let scheme = rest[..<range.lowerBound].lowercased()
            guard scheme == "postgres" || scheme == "postgresql" else {
                throw bad("scheme must be postgres:// or postgresql://")
            }
            rest = rest[range.upperBound...]
        } else {
            throw bad("expected postgres://user@host:port/database")
        }
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
        var userInfo: Substring = ""
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        // Host and port; an IPv6 address is bracketed.
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
        var userText = userInfo
        password = nil
        if let colon = userInfo.firstIndex(of: ":") {
            userText = userInfo[..<colon]
            guard let decoded = PostgresURL.percentDecoded(userInfo[userInfo.index(after: colon)...]) else {
                throw bad("bad percent-encoding in the password")
            }
            password = decoded
        }
        guard let decodedUser = PostgresURL.percentDecoded(userText) else { throw bad("bad percent-encoding in the user") }
        guard !decodedUser.isEmpty else { throw bad("no user (postgres://user@host/database)") }
        user = decodedUser
        guard let decodedDatabase = PostgresURL.percentDecoded(path), !decodedDatabase.isEmpty else {
            throw bad("no database name after the host")
        }
        guard !decodedDatabase.contains("/") else { throw bad("database name contains /") }
        database = decodedDatabase
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw bad("query parameter \(pair) has no value") }
            switch parts[0] {
            case "sslmode":
                guard parts[1] == "disable" || parts[1] == "prefer" || parts[1] == "allow" else {
                    throw bad("sslmode=\(parts[1]) is not supported (this driver connects without TLS)")
                }
            case "application_name", "connect_timeout": continue
            default: throw bad("unknown query parameter \(parts[0])")
            }
        }
    }

    /// The URL without the password.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostText):\(port)/\(database)"
    }

    /// `text` with any password replaced by `***`, for error messages.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
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
