import TandemAdapterCore
public import TandemHTTPAdapter

/// The connectors of the two fake APIs, as `examples/connectors/`
/// describes them (crm-contacts.toml, helpdesk-users.toml), for tests and
/// the demo: the same requests, paths and formats, with the base URL of a
/// running fake and the caller's secrets and receiver address.
public enum FakeConnectors {
    /// The CRM contacts connector: fields `email`, `firstname`, `lastname`,
    /// `phone`, `renewal_date` (a date) under `properties`; cursor pages;
    /// ETags; polling with `updatedAfter`; webhooks without the object
    /// (the driver reads it).
    public static func crm(
        baseURL: String, token: HTTPConnector.Secret? = nil, pollMillis: Int? = 200,
        webhook: (host: String, port: Int, secret: HTTPConnector.Secret)? = nil, pageSize: Int = 100,
        requestsPerSecond: Double = 200, burst: Int = 50, retries: Int = 5, retryBaseMillis: Int = 20
    ) -> HTTPConnector {
        HTTPConnector(
            object: "contacts", baseURL: baseURL, auth: token.map(HTTPConnector.Auth.bearer) ?? .none, timeoutMillis: 10_000,
            requestsPerSecond: requestsPerSecond, burst: burst, retries: retries, retryBaseMillis: retryBaseMillis,
            retryMaxMillis: 2_000,
            list: .init(method: "GET", path: "/crm/v3/objects/contacts"),
            get: .init(method: "GET", path: "/crm/v3/objects/contacts/{id}"),
            create: .init(method: "POST", path: "/crm/v3/objects/contacts"),
            update: .init(method: "PATCH", path: "/crm/v3/objects/contacts/{id}"),
            delete: .init(method: "DELETE", path: "/crm/v3/objects/contacts/{id}"),
            itemsPath: path("results"), envelope: nil,
            pagination: .cursor(param: "after", nextPath: path("paging.next.after")), limitParam: "limit", pageSize: pageSize,
            totalPath: nil, idPath: path("id"), modifiedPath: path("updatedAt"), modifiedFormat: .iso8601, concurrency: .etag,
            fields: [
                "email": .init(path: path("properties.email")),
                "firstname": .init(path: path("properties.firstname")),
                "lastname": .init(path: path("properties.lastname")),
                "phone": .init(path: path("properties.phone")),
                "renewal_date": .init(path: path("properties.renewal_date"), type: .date),
            ],
            polling: pollMillis.map { .init(intervalMillis: $0, param: "updatedAfter", format: .iso8601, overlapMillis: 1_000) },
            webhook: webhook.map {
                .init(
                    host: $0.host, port: $0.port, path: "/hooks/crm", signatureHeader: "X-HubSpot-Signature", signaturePrefix: "",
                    signatureIsHex: true, secret: $0.secret, eventPath: path("subscriptionType"),
                    deleteEvents: ["contact.deletion"], idPath: path("objectId"), objectPath: nil)
            })
    }

    /// The helpdesk users connector: fields `email`, `name`, `phone` and
    /// `renewal_date` (`user_fields.renewal_date`, a date) inside the
    /// `user` envelope; numbered pages with `count`; a version field;
    /// polling with `updated_since`; webhooks carrying the user in `detail`.
    public static func helpdesk(
        baseURL: String, token: HTTPConnector.Secret? = nil, pollMillis: Int? = nil,
        webhook: (host: String, port: Int, secret: HTTPConnector.Secret)? = nil, pageSize: Int = 100,
        requestsPerSecond: Double = 200, burst: Int = 50, retries: Int = 5, retryBaseMillis: Int = 20
    ) -> HTTPConnector {
        HTTPConnector(
            object: "users", baseURL: baseURL, auth: token.map(HTTPConnector.Auth.bearer) ?? .none, timeoutMillis: 10_000,
            requestsPerSecond: requestsPerSecond, burst: burst, retries: retries, retryBaseMillis: retryBaseMillis,
            retryMaxMillis: 2_000,
            list: .init(method: "GET", path: "/api/v2/users.json"),
            get: .init(method: "GET", path: "/api/v2/users/{id}.json"),
            create: .init(method: "POST", path: "/api/v2/users.json"),
            update: .init(method: "PUT", path: "/api/v2/users/{id}.json"),
            delete: .init(method: "DELETE", path: "/api/v2/users/{id}.json"),
            itemsPath: path("users"), envelope: path("user"), pagination: .page(param: "page", nextPath: path("next_page")),
            limitParam: "per_page", pageSize: pageSize, totalPath: path("count"), idPath: path("id"),
            modifiedPath: path("updated_at"), modifiedFormat: .iso8601, concurrency: .version(path("version")),
            fields: [
                "email": .init(path: path("email")),
                "name": .init(path: path("name")),
                "phone": .init(path: path("phone")),
                "renewal_date": .init(path: path("user_fields.renewal_date"), type: .date),
            ],
            polling: pollMillis.map { .init(intervalMillis: $0, param: "updated_since", format: .iso8601, overlapMillis: 1_000) },
            webhook: webhook.map {
                .init(
                    host: $0.host, port: $0.port, path: "/hooks/helpdesk", signatureHeader: "X-Zendesk-Webhook-Signature",
                    signaturePrefix: "", signatureIsHex: false, secret: $0.secret, eventPath: path("type"),
                    deleteEvents: ["zen:event-type:user.deleted"], idPath: path("detail.id"), objectPath: path("detail"))
            })
    }

    private static func path(_ text: String) -> JSONPath { JSONPath(parts: text.split(separator: ".").map(String.init)) }
}
