import Foundation
import GRDB
import NIOHTTP1
import Synchronization
public import TandemAdapterCore

/// Writes: create, update and delete requests, one per `ExternalWrite`.
extension HTTPDriver {
    public func apply(_ writes: [ExternalWrite], capturedThrough: Int64) async throws -> [WriteOutcome] {
        try await apply(writes, capturedThrough: capturedThrough, identity: nil)
    }

    /// Runs each write alone (a failure never stops the others): a record
    /// whose object has a change in the outbox after `capturedThrough` (or,
    /// for an insert, whose match key an uncaptured change already gives an
    /// object, or whose deleted object's delete is not captured yet) is
    /// deferred; a refused write is `.failed` and waits in the
    /// runner's retry queue; a request that failed every retry (5xx,
    /// timeouts) is `.failed` the same way, never dropped.
    public func apply(
        _ writes: [ExternalWrite], capturedThrough: Int64, identity: RecordIdentity?
    ) async throws -> [WriteOutcome] {
        var outcomes: [WriteOutcome] = []
        for write in writes {
            if try await uncaptured(write, after: capturedThrough, identity: identity) {
                outcomes.append(.deferred)
                continue
            }
            do {
                outcomes.append(try await gate.withLock { try await self.run(write) })
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as HTTPAdapterError {
                outcomes.append(.failed(error.description))
            }
        }
        return outcomes
    }

    /// Whether the outbox holds a change after `sequence` that this write
    /// would overwrite (or, for an insert, that gives its record an object).
    private func uncaptured(_ write: ExternalWrite, after sequence: Int64, identity: RecordIdentity?) async throws -> Bool {
        switch write {
        case .update(_, let key, _), .delete(_, let key):
            return try await state.read { db in
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE seq > ? AND pk = ?)", arguments: [sequence, key]) ?? false
            }
        case .insert(let record, _, _):
            // The record's object was deleted (or re-keyed) and that is not
            // captured yet: the delete goes first, the object does not come back.
            let mapped = try await state.read { db in
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM outbox o JOIN keys k ON k.pk = o.pk WHERE o.seq > ? AND k.record = ?)",
                    arguments: [sequence, record]) ?? false
            }
            if mapped { return true }
            guard let identity else { return false }
            let pending = try await changes(after: sequence, limit: 10_000).changes
            return pending.contains { change in
                guard let new = change.new, change.kind != .delete else { return false }
                return identity.recordID(key: change.key, row: new) == .record(record)
            }
        }
    }

    private func run(_ write: ExternalWrite) async throws -> WriteOutcome {
        switch write {
        case .insert(let record, _, let columns):
            let url = transport.url(connector.create.path)
            let answer = try await transport.send(
                connector.create.method, url, body: codec.body(columns), idempotent: connector.create.method != "PUT")
            guard answer.isSuccess else { return refused(answer, connector.create.method, url) }
            let object = try codec.decode(try codec.unwrap(try answer.json(url), source: url), source: url)
            if try await state.wrote(object, etag: answer.headers.first(name: "ETag"), record: record, sent: columns) { outboxGrew() }
            return .written(key: object.key, lastValues: nil)
        case .update(let record, let key, let columns):
            return try await update(record: record, key: key, columns: columns)
        case .delete(_, let key):
            var headers: [(String, String)] = []
            if connector.concurrency == .etag, let etag = try await state.shadow(key)?.etag { headers.append(("If-Match", etag)) }
            let url = transport.url(connector.delete.path, id: key)
            let answer = try await transport.send(connector.delete.method, url, headers: headers)
            if answer.status == 409 || answer.status == 412 {
                statsBox.withLock { $0.conflicts += 1 }
                try await read(key: key)
                return .deferred
            }
            guard answer.isSuccess || answer.status == 404 || answer.status == 410 else {
                return refused(answer, connector.delete.method, url)
            }
            let last = try await state.wroteDelete(key: key)
            return .written(key: key, lastValues: last)
        }
    }

    /// An update, sent with the object's ETag or version when the API
    /// checks them; a 409/412 re-reads the object: if someone else changed
    /// it, the write waits until that change is captured (`.deferred`),
    /// else it is sent again with the fresh ETag or version.
    private func update(record: String, key: String, columns: [String: ExternalValue]) async throws -> WriteOutcome {
        var shadow = try await state.shadow(key)
        if connector.concurrency == .etag, shadow?.etag == nil {
            guard try await read(key: key) != nil else { return .deferred }
            shadow = try await state.shadow(key)
        }
        let url = transport.url(connector.update.path, id: key)
        for _ in 0..<3 {
            var headers: [(String, String)] = []
            var version: JSONValue?
            switch connector.concurrency {
            case .none: break
            case .etag: if let etag = shadow?.etag { headers.append(("If-Match", etag)) }
            case .version: version = shadow?.version
            }
            let answer = try await transport.send(connector.update.method, url, body: codec.body(columns, version: version), headers: headers)
            if answer.status == 404 || answer.status == 410 {
                try await observeDelete(key: key, at: HTTPTransport.nowMillis())
                return .deferred
            }
            if answer.status == 409 || answer.status == 412 {
                statsBox.withLock { $0.conflicts += 1 }
                let before = outboxVersion.load(ordering: .sequentiallyConsistent)
                guard try await read(key: key) != nil else { return .deferred }
                if outboxVersion.load(ordering: .sequentiallyConsistent) != before { return .deferred }
                shadow = try await state.shadow(key)
                continue
            }
            guard answer.isSuccess else { return refused(answer, connector.update.method, url) }
            let object = try codec.decode(try codec.unwrap(try answer.json(url), source: url), source: url)
            if try await state.wrote(object, etag: answer.headers.first(name: "ETag"), record: record, sent: columns) { outboxGrew() }
            return .written(key: key, lastValues: nil)
        }
        return .failed("\(connector.update.method) \(url): still refused as stale after 3 re-reads")
    }

    private func refused(_ answer: HTTPTransport.Answer, _ method: String, _ url: String) -> WriteOutcome {
        .failed(HTTPAdapterError.status(request: "\(method) \(url)", code: answer.status, body: answer.text).description)
    }
}
