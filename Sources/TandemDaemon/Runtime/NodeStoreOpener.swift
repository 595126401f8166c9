import Foundation
import TandemCore
import TandemPostgresStore
import TandemStore

/// Opens the store `[node] store` names: the SQLite store in `data_dir`, or
/// the PostgreSQL store at the URL (password from the environment).
///
/// Guarantees: a failure is a `DaemonError.store` naming the directory or
/// the URL (never a password) and the cause; the returned `close` closes
/// exactly the store opened.
enum NodeStoreOpener {
    /// A store and how to close it.
    struct Opened: Sendable {
        var store: any ReplicaStore
        var close: @Sendable () throws -> Void
    }

    /// Opens the node's store. `readOnly`: a reader beside a running node
    /// (`tandem audit`); PostgreSQL then takes no lock and writes nothing.
    static func open(
        _ settings: NodeSettings, node: NodeID, now: UInt64, readOnly: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(DaemonError) -> Opened {
        switch settings.store {
        case .sqlite:
            let directory = settings.dataDirectory
            do {
                let store = try SQLiteStore(directory: directory, node: node, now: now)
                return Opened(store: store, close: { try store.close() })
            } catch {
                throw DaemonError.store(directory: directory, detail: "\(error)")
            }
        case .postgres(let url):
            var label = url
            do {
                let location = try PostgresStoreLocation(url, environment: environment)
                label = location.description
                let store = try PostgresStore(
                    location: location, node: node, options: PostgresStore.Options(readOnly: readOnly), now: now)
                return Opened(store: store, close: { store.close() })
            } catch {
                throw DaemonError.store(directory: label, detail: "\(error)")
            }
        }
    }
}
