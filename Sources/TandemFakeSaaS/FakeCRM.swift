import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TandemAdapterCore
import TandemHTTPAdapter

/// A CRM contacts API in the shape of HubSpot's CRM v3 objects API, on
/// loopback: contacts with nested `properties` (`email`, `firstname`,
/// `lastname`, `phone`, `renewal_date`), string ids, `updatedAt` in ISO
/// 8601, cursor pages (`limit`, `after` → `paging.next.after`), an
/// `updatedAfter` filter for polling, ETags with `If-Match` (412 when
/// stale), and webhooks (`contact.creation`, `contact.propertyChange`,
/// `contact.deletion` with the `objectId` only, signed in hex in
/// `X-HubSpot-Signature`) for every change, the API's own included.
///
/// ```
/// GET    /crm/v3/objects/contacts?limit=100&after=105&updatedAfter=2026-12-05T10:00:00.000Z
/// GET    /crm/v3/objects/contacts/{id}
/// POST   /crm/v3/objects/contacts        {"properties": {...}}
/// PATCH  /crm/v3/objects/contacts/{id}   {"properties": {...}}
/// DELETE /crm/v3/objects/contacts/{id}
/// ```
public final class FakeCRM: Sendable {
    public let records: FakeRecords
    public let webhooks: FakeWebhookSender
    private let server: FakeServer

    public var port: Int { server.port }
    public var baseURL: String { "http://127.0.0.1:\(server.port)" }

    /// Starts the API and waits until it listens.
    public static func start() async throws -> FakeCRM {
        let records = FakeRecords()
        let webhooks = FakeWebhookSender(records: records)
        let server = try await FakeServer(router: router(records, webhooks), name: "crm")
        return FakeCRM(records: records, webhooks: webhooks, server: server)
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

    /// Subscribes `url` to the webhooks, signed with `secret`.
    public func subscribe(url: String, secret: String) {
        webhooks.subscribe(.init(url: url, secret: secret, header: "X-HubSpot-Signature", hex: true))
    }

    // MARK: The CRM's own UI

    public var contacts: [FakeObject] { records.all }

    public func contact(email: String) -> FakeObject? { records.find("email", email) }

    @discardableResult
    public func createContact(_ properties: [String: String]) -> FakeObject {
        let object = records.create(properties.mapValues(JSONValue.string))
        webhooks.send(Self.event("contact.creation", object))
        return object
    }

    @discardableResult
    public func editContact(_ id: Int, _ properties: [String: String?]) -> FakeObject? {
        guard let object = records.update(id, properties.mapValues { $0.map(JSONValue.string) ?? .null }) else { return nil }
        webhooks.send(Self.event("contact.propertyChange", object))
        return object
    }

    public func deleteContact(_ id: Int) {
        guard let object = records.delete(id) else { return }
        webhooks.send(Self.event("contact.deletion", object))
    }

    // MARK: Shape

    static func event(_ type: String, _ object: FakeObject) -> JSONValue {
        .object([
            "subscriptionType": .string(type), "objectId": .int(Int64(object.id)), "occurredAt": .int(object.updatedMillis),
        ])
    }

    static func render(_ object: FakeObject) -> JSONValue {
        var properties = object.fields
        properties["hs_object_id"] = .string(String(object.id))
        properties["lastmodifieddate"] = .string(CanonicalTime.format(millis: object.updatedMillis))
        return .object([
            "id": .string(String(object.id)), "properties": .object(properties),
            "createdAt": .string(CanonicalTime.format(millis: object.createdMillis)),
            "updatedAt": .string(CanonicalTime.format(millis: object.updatedMillis)), "archived": .bool(false),
        ])
    }

    static func etag(_ object: FakeObject) -> HTTPFields {
        var fields = HTTPFields()
        fields[.eTag] = "\"\(object.version)\""
        return fields
    }

    private static func router(_ records: FakeRecords, _ webhooks: FakeWebhookSender) -> Router<BasicRequestContext> {
        let router = Router()
        let base = "crm/v3/objects/contacts"
        router.get(RouterPath(base)) { request, _ -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            let query = request.uri.queryParameters
            let limit = min(max(query.get("limit").flatMap { Int($0) } ?? 10, 1), 100)
            let after = query.get("after").flatMap { Int($0) }
            var since: Int64?
            if let text = query.get("updatedAfter") {
                guard let millis = CanonicalTime.millis(text) else { return FakeAnswer.error(.badRequest, "updatedAfter: not a time") }
                since = millis
            }
            let page = records.page(after: after, since: since, limit: limit)
            if after == nil, let gone = records.afterFirstPage() { webhooks.send(event("contact.deletion", gone)) }
            var answer: [String: JSONValue] = ["results": .array(page.objects.map(render))]
            if page.more, let last = page.objects.last {
                answer["paging"] = .object(["next": .object(["after": .string(String(last.id))])])
            }
            return FakeAnswer.json(.object(answer))
        }
        router.get(RouterPath(base + "/:id")) { request, context -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            guard let id = context.parameters.get("id").flatMap({ Int($0) }), let object = records.object(id) else {
                return FakeAnswer.error(.notFound, "no such contact")
            }
            return FakeAnswer.json(render(object), headers: etag(object))
        }
        router.post(RouterPath(base)) { request, _ -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            guard let properties = FakeAnswer.members(try await FakeAnswer.body(request)["properties"]) else {
                return FakeAnswer.error(.badRequest, "expected {\"properties\": {...}}")
            }
            if records.refuses(properties) { return FakeAnswer.error(.badRequest, "Property values were not valid: email") }
            let object = records.create(properties)
            webhooks.send(event("contact.creation", object))
            return FakeAnswer.json(render(object), status: .created, headers: etag(object))
        }
        router.patch(RouterPath(base + "/:id")) { request, context -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            guard let id = context.parameters.get("id").flatMap({ Int($0) }), let current = records.object(id) else {
                return FakeAnswer.error(.notFound, "no such contact")
            }
            guard let properties = FakeAnswer.members(try await FakeAnswer.body(request)["properties"]) else {
                return FakeAnswer.error(.badRequest, "expected {\"properties\": {...}}")
            }
            if let match = request.headers[.ifMatch], match != "\"\(current.version)\"" {
                return FakeAnswer.error(.preconditionFailed, "contact changed since \(match)")
            }
            if records.refuses(properties) { return FakeAnswer.error(.badRequest, "Property values were not valid: email") }
            guard let object = records.update(id, properties) else { return FakeAnswer.error(.notFound, "no such contact") }
            webhooks.send(event("contact.propertyChange", object))
            return FakeAnswer.json(render(object), headers: etag(object))
        }
        router.delete(RouterPath(base + "/:id")) { request, context -> Response in
            if let refusal = FakeAnswer.gate(records, request) { return refusal }
            guard let id = context.parameters.get("id").flatMap({ Int($0) }), let object = records.delete(id) else {
                return FakeAnswer.error(.notFound, "no such contact")
            }
            webhooks.send(event("contact.deletion", object))
            return Response(status: .noContent)
        }
        return router
    }
}
