import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TandemAdapterCore
import TandemHTTPAdapter

/// A helpdesk users API in the shape of Zendesk's Users API, on loopback:
/// users with integer ids, `email`, `name`, `phone`, nested
/// `user_fields.renewal_date`, `updated_at` in ISO 8601 and a `version`
/// (409 when an update sends a stale one); objects wrapped in `user` /
/// `users`; numbered pages (`page`, `per_page` → `next_page`, `count`); an
/// `updated_since` filter; and webhooks carrying the whole user in
/// `detail` (`zen:event-type:user.created|updated|deleted`), signed in
/// base64 in `X-Zendesk-Webhook-Signature`.
///
/// ```
/// GET    /api/v2/users.json?page=2&per_page=100&updated_since=2026-12-05T10:00:00.000Z
/// GET    /api/v2/users/{id}.json
/// POST   /api/v2/users.json        {"user": {...}}
/// PUT    /api/v2/users/{id}.json   {"user": {..., "version": 3}}
/// DELETE /api/v2/users/{id}.json
/// ```
public final class FakeHelpdesk: Sendable {
    public let records: FakeRecords
    public let webhooks: FakeWebhookSender
    private let server: FakeServer

    public var port: Int { server.port }
    public var baseURL: String { "http://127.0.0.1:\(server.port)" }

    public static func start() async throws -> FakeHelpdesk {
        let records = FakeRecords()
        let webhooks = FakeWebhookSender(records: records)
        let server = try await FakeServer(router: router(records, webhooks), name: "helpdesk")
        return FakeHelpdesk(records: records, webhooks: webhooks, server: server)
    }

    private init(records: FakeRecords, webhooks: FakeWebhookSender, server: FakeServer) {
        self.records = records
        self.webhooks = webhooks
        self.server = server
    }

    public func stop() async {
        await server.stop()
        await webhooks.shutdown()
    }

    public func subscribe(url: String, secret: String) {
        webhooks.subscribe(.init(url: url, secret: secret, header: "X-Zendesk-Webhook-Signature", hex: false))
    }

    // MARK: The helpdesk's own UI

    public var users: [FakeObject] { records.all }

    public func user(email: String) -> FakeObject? { records.find("email", email) }

    /// Creates a user; `renewal_date` goes to `user_fields`.
    @discardableResult
    public func createUser(_ fields: [String: String]) -> FakeObject {
        let object = records.create(Self.stored(fields.mapValues(JSONValue.string)))
        webhooks.send(Self.event("user.created", object))
        return object
    }

    @discardableResult
    public func editUser(_ id: Int, _ fields: [String: String?]) -> FakeObject? {
        guard let object = records.update(id, Self.stored(fields.mapValues { $0.map(JSONValue.string) ?? .null }), merging: true)
        else { return nil }
        webhooks.send(Self.event("user.updated", object))
        return object
    }

    public func deleteUser(_ id: Int) {
        guard let object = records.delete(id) else { return }
        webhooks.send(Self.event("user.deleted", object))
    }

    // MARK: Shape

    /// Flat fields as stored: `renewal_date` inside `user_fields`.
    static func stored(_ fields: [String: JSONValue]) -> [String: JSONValue] {
        var result = fields
        if let renewal = result.removeValue(forKey: "renewal_date") {
            result["user_fields"] = .object(["renewal_date": renewal])
        }
        return result
    }

    static func render(_ object: FakeObject) -> JSONValue {
        var user = object.fields
        user["id"] = .int(Int64(object.id))
        user["created_at"] = .string(CanonicalTime.format(millis: object.createdMillis))
        user["updated_at"] = .string(CanonicalTime.format(millis: object.updatedMillis))
        user["version"] = .int(Int64(object.version))
        return .object(user)
    }

    static func event(_ type: String, _ object: FakeObject) -> JSONValue {
        .object([
            "type": .string("zen:event-type:" + type), "detail": render(object),
            "time": .string(CanonicalTime.format(millis: object.updatedMillis)), "id": .string(UUID().uuidString),
        ])
    }

    static func id(_ context: BasicRequestContext) -> Int? {
        guard let file = context.parameters.get("file"), file.hasSuffix(".json") else { return nil }
        return Int(file.dropLast(5))
    }

    private static func router(_ records: FakeRecords, _ webhooks: FakeWebhookSender) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("api/v2/users.json") { request, _ -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            let query = request.uri.queryParameters
            let page = max(query.get("page").flatMap { Int($0) } ?? 1, 1)
            let perPage = min(max(query.get("per_page").flatMap { Int($0) } ?? 100, 1), 100)
            var since: Int64?
            if let text = query.get("updated_since") {
                guard let millis = CanonicalTime.millis(text) else { return FakeAnswer.error(.badRequest, "updated_since: not a time") }
                since = millis
            }
            let all = records.filtered(since: since)
            let start = min((page - 1) * perPage, all.count)
            let slice = Array(all[start..<min(start + perPage, all.count)])
            if page == 1, let gone = records.afterFirstPage() { webhooks.send(event("user.deleted", gone)) }
            let more = start + perPage < all.count
            return FakeAnswer.json(.object([
                "users": .array(slice.map(render)),
                "next_page": more ? .string("/api/v2/users.json?page=\(page + 1)&per_page=\(perPage)") : .null,
                "previous_page": page > 1 ? .string("/api/v2/users.json?page=\(page - 1)&per_page=\(perPage)") : .null,
                "count": .int(Int64(all.count)),
            ]))
        }
        router.get("api/v2/users/:file") { request, context -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            guard let id = id(context), let object = records.object(id) else { return FakeAnswer.error(.notFound, "RecordNotFound") }
            return FakeAnswer.json(.object(["user": render(object)]))
        }
        router.post("api/v2/users.json") { request, _ -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            guard var user = FakeAnswer.members(try await FakeAnswer.body(request)["user"]) else {
                return FakeAnswer.error(.badRequest, "expected {\"user\": {...}}")
            }
            user["id"] = nil
            user["version"] = nil
            if records.refuses(user) { return FakeAnswer.error(.unprocessableContent, "Email is invalid") }
            let object = records.create(user)
            webhooks.send(event("user.created", object))
            return FakeAnswer.json(.object(["user": render(object)]), status: .created)
        }
        router.put("api/v2/users/:file") { request, context -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            guard let id = id(context), let current = records.object(id) else { return FakeAnswer.error(.notFound, "RecordNotFound") }
            guard var user = FakeAnswer.members(try await FakeAnswer.body(request)["user"]) else {
                return FakeAnswer.error(.badRequest, "expected {\"user\": {...}}")
            }
            if let version = user.removeValue(forKey: "version"), version != .int(Int64(current.version)) {
                return FakeAnswer.error(.conflict, "user changed since version \(version)")
            }
            user["id"] = nil
            if records.refuses(user) { return FakeAnswer.error(.unprocessableContent, "Email is invalid") }
            guard let object = records.update(id, user, merging: true) else { return FakeAnswer.error(.notFound, "RecordNotFound") }
            webhooks.send(event("user.updated", object))
            return FakeAnswer.json(.object(["user": render(object)]))
        }
        router.delete("api/v2/users/:file") { request, context -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            guard let id = id(context), let object = records.delete(id) else { return FakeAnswer.error(.notFound, "RecordNotFound") }
            webhooks.send(event("user.deleted", object))
            return Response(status: .noContent)
        }
        return router
    }
}
