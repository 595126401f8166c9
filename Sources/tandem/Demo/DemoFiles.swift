import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import TandemCore
import TandemCrypto

/// The demo's two systems: a CRM `customers` table and a helpdesk
/// `contacts` table with different column names, in two SQLite files.
struct DemoSystem {
    var name: String
    var database: String
    var table: String
    var key: String
    /// Canonical field → column (email, name, phone, tier).
    var columns: [String: String]

    static let fields = ["email", "name", "phone", "tier"]

    static let crm = DemoSystem(
        name: "crm", database: "crm.db", table: "customers", key: "id",
        columns: ["email": "email", "name": "full_name", "phone": "phone", "tier": "tier"])
    static let helpdesk = DemoSystem(
        name: "helpdesk", database: "helpdesk.db", table: "contacts", key: "contact_id",
        columns: ["email": "mail", "name": "name", "phone": "tel", "tier": "plan"])

    func column(_ field: String) -> String { columns[field] ?? field }

    /// A connection to the database, as any other program would open it.
    func open(in directory: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: directory + "/" + database, configuration: configuration)
    }

    /// The rows' canonical fields, by email (trimmed, lower case).
    func rows(in directory: String) throws -> [String: [String: String]] {
        let queue = try open(in: directory)
        defer { try? queue.close() }
        let select = Self.fields.map { "\"\(column($0))\"" }.joined(separator: ", ")
        return try queue.read { db in
            var rows: [String: [String: String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT \(select) FROM \"\(table)\"") {
                var fields: [String: String] = [:]
                for field in Self.fields {
                    let value: String? = row[column(field)]
                    fields[field] = value ?? ""
                }
                let email = (fields["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                rows[email] = fields
            }
            return rows
        }
    }

    /// The rows `sql` selects, each as its values joined by " | " (NULL as "-").
    func lines(_ sql: String, in directory: String) throws -> [String] {
        let queue = try open(in: directory)
        defer { try? queue.close() }
        return try queue.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                row.columnNames.map { name in
                    let value: DatabaseValue = row[name]
                    return value.isNull ? "-" : "\(value.storage.value.map { "\($0)" } ?? "-")"
                }.joined(separator: " | ")
            }
        }
    }

    /// The single value `sql` selects, as text (nil for none or NULL).
    func value(_ sql: String, in directory: String) throws -> String? {
        let queue = try open(in: directory)
        defer { try? queue.close() }
        return try queue.read { db in
            let value = try DatabaseValue.fetchOne(db, sql: sql)
            guard let value, !value.isNull else { return nil }
            return value.storage.value.map { "\($0)" }
        }
    }

    /// Runs `sql` in one write transaction, as another program would.
    func execute(_ sql: String, in directory: String) throws {
        let queue = try open(in: directory)
        defer { try? queue.close() }
        try queue.write { db in try db.execute(sql: sql) }
    }
}

/// Writes the demo folder: databases, keys, configurations.
enum DemoFiles {
    /// A marker file: only a folder holding it is replaced by a new demo.
    static let marker = ".tandem-demo"

    static func prepare(_ directory: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            let contents = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
            guard isDirectory.boolValue, contents.isEmpty || contents.contains(marker) else {
                throw CommandFailure("\(directory) exists and is not a demo folder; choose another with --dir")
            }
            try manager.removeItem(atPath: directory)
        }
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: directory + "/" + marker))
    }

    static func createDatabases(_ directory: String) throws {
        try DemoSystem.crm.execute("""
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, full_name TEXT, phone TEXT, tier TEXT,
                created_at TEXT DEFAULT CURRENT_TIMESTAMP);
            INSERT INTO customers (email, full_name, phone, tier) VALUES
                ('ada@example.com', 'Ada Lovelace', '+44 20 7946 0000', 'gold'),
                ('grace@example.com', 'Grace Hopper', '+1 202 555 0101', 'silver'),
                ('alan@example.com', 'Alan Turing', '+44 161 496 0000', 'bronze');
            """, in: directory)
        try DemoSystem.helpdesk.execute("""
            CREATE TABLE contacts (contact_id INTEGER PRIMARY KEY AUTOINCREMENT, mail TEXT, name TEXT, tel TEXT, plan TEXT,
                open_tickets INTEGER DEFAULT 0);
            INSERT INTO contacts (mail, name, tel, plan, open_tickets) VALUES
                ('ada@example.com', 'Ada Lovelace', '+44 20 7946 0000', 'gold', 2),
                ('grace@example.com', 'Grace Hopper', '+1 202 555 0101', 'silver', 0),
                ('margaret@example.com', 'Margaret Hamilton', '+1 617 555 0199', 'gold', 1);
            """, in: directory)
    }

    /// Generates both keys and writes both configurations; returns each
    /// node's configuration path.
    static func writeConfigurations(_ directory: String) throws -> [String: String] {
        let systems = [DemoSystem.crm, DemoSystem.helpdesk]
        var ids: [String: String] = [:]
        var listen: [String: Int] = [:]
        var admin: [String: Int] = [:]
        for system in systems {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(system.name)", withIntermediateDirectories: true)
            let key = try NodeKeyPair.generate()
            try NodeKeyFile.write(key, to: "\(directory)/\(system.name)/node.key")
            ids[system.name] = key.nodeID.hex
            listen[system.name] = try freePort()
            admin[system.name] = try freePort()
        }
        var result: [String: String] = [:]
        for system in systems {
            let other = system.name == "crm" ? DemoSystem.helpdesk : DemoSystem.crm
            let fields = DemoSystem.fields.map { "\($0) = \"\(system.column($0))\"" }.joined(separator: "\n")
            let text = """
                # tandem demo: the \(system.name) node, keeping \(system.database) (\(system.table)) in sync with \(other.name).
                [node]
                name = "\(system.name)"
                data_dir = "\(system.name)/data"
                key_file = "\(system.name)/node.key"
                listen = "127.0.0.1:\(listen[system.name] ?? 0)"
                admin = "127.0.0.1:\(admin[system.name] ?? 0)"

                [[peer]]
                name = "\(other.name)"
                address = "127.0.0.1:\(listen[other.name] ?? 0)"
                public_key = "\(ids[other.name] ?? "")"

                [[collection]]
                name = "customers"
                match_key = "email"

                [[adapter]]
                collection = "customers"
                kind = "sqlite"
                database = "\(system.database)"
                table = "\(system.table)"
                key = "\(system.key)"
                [adapter.fields]
                \(fields)

                """
            let path = "\(directory)/\(system.name).toml"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            result[system.name] = path
        }
        return result
    }

    /// A loopback port that was free a moment ago.
    static func freePort() throws -> Int {
        #if canImport(Glibc)
        let kind = Int32(SOCK_STREAM.rawValue)
        #else
        let kind = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, kind, 0)
        guard fd >= 0 else { throw CommandFailure("cannot open a socket to find a free port") }
        defer { _ = close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw CommandFailure("cannot bind a loopback port to find a free one") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
