import Logging
import PostgresNIO
import Synchronization
import TandemAdapterCore
import TandemPostgresSupport

/// Running statements on the driver's connection, and binding values.
extension PostgresDriver {
    // MARK: Running statements

    /// Runs `body` on the query connection, naming `what` in errors: the
    /// server refusing a statement is `AdapterError.driver` with its message.
    @discardableResult
    func perform<Result: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result)
        async throws -> Result
    {
        do {
            return try await keeper.run(body)
        } catch let error as AdapterError {
            throw error
        } catch let error as PSQLError where ConnectionKeeper.isMissingCapture(error) {
            throw AdapterError.captureMissing(table: table, problem: ConnectionKeeper.reason(error))
        } catch {
            throw AdapterError.driver(
                "\(what) of table \(table) in database \(url.database): \(ConnectionKeeper.reason(error))")
        }
    }

    /// Runs one statement with bound values and collects its rows.
    @discardableResult
    func collect(_ connection: PostgresConnection, _ sql: String, _ values: [any PostgresBindable] = []) async throws -> [PostgresRow] {
        var binds = PostgresBindings(capacity: values.count)
        for value in values { try value.bind(into: &binds) }
        return try await ActiveChannelQuery.send(PostgresQuery(unsafeSQL: sql, binds: binds), on: connection, logger: logger)
            .get().rows
    }

    /// Runs `body` in a transaction (rolled back if it throws).
    func transaction<Result>(_ connection: PostgresConnection, _ body: () async throws -> Result) async throws -> Result {
        try await collect(connection, "BEGIN")
        do {
            let result = try await body()
            try await collect(connection, "COMMIT")
            return result
        } catch {
            if !connection.isClosed { _ = try? await collect(connection, "ROLLBACK") }
            throw error
        }
    }

    /// Decodes a row, naming `what` in the error.
    func decode<each Column: PostgresDecodable>(_ row: PostgresRow, as type: (repeat each Column).Type, _ what: String) throws
        -> (repeat each Column)
    {
        do {
            return try row.decode(type)
        } catch {
            throw AdapterError.driver("reading \(what) of table \(table): unexpected value (\(String(reflecting: error)))")
        }
    }
}

/// A value the driver binds to a statement parameter.
protocol PostgresBindable: Sendable {
    func bind(into binds: inout PostgresBindings) throws
}

extension String: PostgresBindable {
    func bind(into binds: inout PostgresBindings) { binds.append(self) }
}

extension Int64: PostgresBindable {
    func bind(into binds: inout PostgresBindings) { binds.append(self) }
}

extension Double: PostgresBindable {
    func bind(into binds: inout PostgresBindings) { binds.append(self) }
}

extension Bool: PostgresBindable {
    func bind(into binds: inout PostgresBindings) { binds.append(self) }
}

extension Array: PostgresBindable where Element: PostgresBindable & PostgresArrayEncodable {
    func bind(into binds: inout PostgresBindings) throws { try binds.append(self) }
}
