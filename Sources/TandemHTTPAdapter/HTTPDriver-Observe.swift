import Foundation
import NIOHTTP1
import Synchronization
import TandemAdapterCore

/// Observing the API: list walks with pagination, polls, reads of one
/// object, webhook events.
extension HTTPDriver {
    static let pollCursorName = "poll_cursor_ms"

    /// Records one observed object (see `HTTPStateStore.ingest`) and counts
    /// what became of it.
    @discardableResult
    func observe(_ object: HTTPObjectCodec.Decoded, etag: String? = nil) async throws -> HTTPStateStore.IngestOutcome {
        let outcome = try await state.ingest(object, etag: etag)
        count(outcome)
        return outcome
    }

    func observeDelete(key: String, at millis: Int64) async throws {
        count(try await state.ingestDelete(key: key, at: millis))
    }

    private func count(_ outcome: HTTPStateStore.IngestOutcome) {
        statsBox.withLock { stats in
            switch outcome {
            case .captured: stats.captured += 1
            case .echo: stats.echoes += 1
            case .stale: stats.stale += 1
            case .unchanged: break
            }
        }
        if outcome == .captured { outboxGrew() }
    }

    /// Every object of the list (all pages), decoded, each key once (a
    /// page that shifted under the reader can repeat an object). With
    /// `query` the list is filtered (a poll's `updated_since`).
    func list(query: [(String, String)] = []) async throws -> Listing {
        var objects: [String: HTTPObjectCodec.Decoded] = [:]
        var order: [String] = []
        var totals: [Int] = []
        func done() -> Listing { Listing(objects: order.compactMap { objects[$0] }, totals: totals) }
        var page = 1
        var offset = 0
        var cursor: String?
        while true {
            var parameters = query + [(connector.limitParam, String(connector.pageSize))]
            switch connector.pagination {
            case .cursor(let param, _): if let cursor { parameters.append((param, cursor)) }
            case .page(let param, _): parameters.append((param, String(page)))
            case .offset(let param): parameters.append((param, String(offset)))
            }
            let url = transport.url(connector.list.path, query: parameters)
            let answer = try await transport.send(connector.list.method, url)
            guard answer.isSuccess else {
                throw HTTPAdapterError.status(request: "\(connector.list.method) \(url)", code: answer.status, body: answer.text)
            }
            let json = try answer.json(url)
            guard case .array(let items) = json[path: connector.itemsPath] ?? .null else {
                throw HTTPAdapterError.missing(source: url, path: connector.itemsPath.description)
            }
            if let totalPath = connector.totalPath, case .int(let count) = json[path: totalPath] ?? .null { totals.append(Int(count)) }
            for item in items {
                let decoded = try codec.decode(item, source: url)
                if objects[decoded.key] == nil { order.append(decoded.key) }
                if let known = objects[decoded.key], known.modifiedMillis > decoded.modifiedMillis { continue }
                objects[decoded.key] = decoded
            }
            switch connector.pagination {
            case .cursor(_, let nextPath):
                guard let next = json[path: nextPath]?.text, !next.isEmpty, !items.isEmpty else {
                    return done()
                }
                cursor = next
            case .page(_, let nextPath):
                if items.isEmpty { return done() }
                if let nextPath, (json[path: nextPath] ?? .null) == .null { return done() }
                page += 1
            case .offset:
                if items.count < connector.pageSize { return done() }
                offset += items.count
            }
        }
    }

    /// Walks the whole list into the shadows (first attach), and sets the
    /// poll cursor to the newest modification seen. When the list's total
    /// changed during the walk (an object deleted ahead of the reader
    /// shifts numbered pages and offsets, so one is skipped) or the walk
    /// found fewer objects than the total, it walks again (up to twice) and
    /// keeps the union; objects repeated by a shift are kept once. Cursor
    /// pages do not shift.
    func walk() async throws {
        let startedAt = HTTPTransport.nowMillis()
        var found: [String: HTTPObjectCodec.Decoded] = [:]
        for attempt in 0..<3 {
            let listing = try await list()
            for object in listing.objects where (found[object.key]?.modifiedMillis ?? .min) <= object.modifiedMillis {
                found[object.key] = object
            }
            statsBox.withLock { $0.walks += 1 }
            guard listing.changedUnderReader, attempt < 2 else { break }
            statsBox.withLock { $0.rewalks += 1 }
        }
        for object in found.values.sorted(by: { $0.key < $1.key }) { try await state.remember(object) }
        let newest = found.values.map(\.modifiedMillis).max() ?? startedAt
        try await state.setMeta(Self.pollCursorName, String(max(newest, startedAt - 1)))
    }

    /// Polls forever (until cancelled) every `intervalMillis`.
    func pollLoop(intervalMillis: Int) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(intervalMillis))
            } catch {
                return
            }
            do {
                try await poll()
            } catch is CancellationError {
                return
            } catch {
                noteError(error, "poll")
            }
        }
    }

    /// One poll: the objects modified since the cursor (less the overlap),
    /// observed in modification order; the cursor moves to the newest.
    /// Before the first walk there is no cursor and nothing is polled.
    public func poll() async throws {
        guard let polling = connector.polling, let text = try await state.meta(Self.pollCursorName), let cursor = Int64(text)
        else { return }
        let since = HTTPObjectCodec.text(millis: max(cursor - Int64(polling.overlapMillis), 0), format: polling.format)
        let objects = try await list(query: [(polling.param, since)]).objects
        for object in objects.sorted(by: { $0.modifiedMillis < $1.modifiedMillis }) {
            try await gate.withLock { try await self.observe(object) }
        }
        if let newest = objects.map(\.modifiedMillis).max(), newest > cursor {
            try await state.setMeta(Self.pollCursorName, String(newest))
        }
        statsBox.withLock { $0.polls += 1 }
    }

    /// Reads object `key` with the get request: observed if it exists
    /// (returned, with its ETag), recorded as deleted at `now` if the API
    /// answers 404.
    @discardableResult
    func read(key: String) async throws -> (object: HTTPObjectCodec.Decoded, etag: String?)? {
        let url = transport.url(connector.get.path, id: key)
        let answer = try await transport.send(connector.get.method, url)
        if answer.status == 404 || answer.status == 410 {
            try await observeDelete(key: key, at: HTTPTransport.nowMillis())
            return nil
        }
        guard answer.isSuccess else {
            throw HTTPAdapterError.status(request: "\(connector.get.method) \(url)", code: answer.status, body: answer.text)
        }
        let object = try codec.decode(try codec.unwrap(try answer.json(url), source: url), source: url)
        let etag = answer.headers.first(name: "ETag")
        try await observe(object, etag: etag)
        return (object, etag)
    }

    /// Handles one verified webhook payload.
    func handleWebhook(_ payload: JSONValue, webhook: HTTPConnector.Webhook) async throws {
        guard let key = payload[path: webhook.idPath]?.text, !key.isEmpty else {
            throw HTTPAdapterError.missing(source: "webhook", path: webhook.idPath.description)
        }
        let event = webhook.eventPath.flatMap { payload[path: $0]?.text }
        if let event, webhook.deleteEvents.contains(event) {
            var at = HTTPTransport.nowMillis()
            if let objectPath = webhook.objectPath, let object = payload[path: objectPath],
               let modified = object[path: connector.modifiedPath],
               let millis = HTTPObjectCodec.millis(modified, format: connector.modifiedFormat) {
                at = millis
            }
            try await observeDelete(key: key, at: at)
            return
        }
        if let objectPath = webhook.objectPath, let object = payload[path: objectPath] {
            try await observe(try codec.decode(object, source: "webhook"))
        } else {
            try await read(key: key)
        }
    }
}

/// One walk of a list: its objects (each key once) and the totals its
/// pages reported.
struct Listing: Sendable {
    var objects: [HTTPObjectCodec.Decoded]
    var totals: [Int]

    /// Whether the list changed while it was read: the pages' totals
    /// differ, or fewer objects were found than the last total.
    var changedUnderReader: Bool {
        guard let last = totals.last else { return false }
        return Set(totals).count > 1 || objects.count < last
    }
}
