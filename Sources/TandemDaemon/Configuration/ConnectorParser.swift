import TandemAdapterCore
import TandemHTTPAdapter
import TOMLKit

/// Turns a connector file's TOML into an `HTTPConnector`, section by
/// section (internal to ``HTTPConnectorFile``).
struct ConnectorParser {
    let context: ParseContext

    static let rootKeys = [
        "object", "base_url", "timeout_ms", "requests_per_second", "burst", "retries", "retry_base_ms", "retry_max_ms",
        "auth", "requests", "list", "object_shape", "fields", "polling", "webhook",
    ]

    func parse(_ table: TOMLTable) throws(ConfigurationError) -> HTTPConnector {
        let root = TOMLSection(table: table, path: "", header: "", entry: nil, context: context)
        let object = try root.requiredString("object", "the object type's name, such as \"contacts\"")
        var baseURL = try root.requiredString("base_url", "the API's base URL, such as \"https://api.hubapi.com\"")
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw root.error("base_url", "expected an http:// or https:// URL, got \"\(baseURL)\"")
        }
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        let timeout = try positive(root, "timeout_ms", default: 10_000)
        let perSecond = try root.double("requests_per_second") ?? 10
        guard perSecond > 0 else { throw root.error("requests_per_second", "expected more than 0, got \(perSecond)") }
        let burst = try positive(root, "burst", default: 10)
        let retries = try root.int("retries") ?? 5
        guard (0...100).contains(retries) else { throw root.error("retries", "expected 0 to 100, got \(retries)") }
        let retryBase = try positive(root, "retry_base_ms", default: 200)
        let retryMax = try positive(root, "retry_max_ms", default: 10_000)
        guard retryMax >= retryBase else { throw root.error("retry_max_ms", "must be at least retry_base_ms (\(retryBase))") }

        let auth = try root.subsection("auth").map { section throws(ConfigurationError) in try parseAuth(section) } ?? .none
        guard let requests = try root.subsection("requests") else {
            throw root.error(nil, "missing section [requests] (list, get, create, update, delete)")
        }
        let list = try request(requests, "list", needsID: false)
        let get = try request(requests, "get", needsID: true)
        let create = try request(requests, "create", needsID: false)
        let update = try request(requests, "update", needsID: true)
        let delete = try request(requests, "delete", needsID: true)
        try requests.finish(expected: ["list", "get", "create", "update", "delete"])

        guard let listSection = try root.subsection("list") else {
            throw root.error(nil, "missing section [list] (items, pagination)")
        }
        let items = try path(listSection, "items", required: true) ?? JSONPath(parts: ["items"])
        let pageSize = try positive(listSection, "page_size", default: 100)
        let limitParam = try listSection.string("limit_param") ?? "limit"
        let total = try path(listSection, "total", required: false)
        let paginationText = try listSection.requiredString("pagination", "\"cursor\", \"page\" or \"offset\"")
        let pagination: HTTPConnector.Pagination
        switch paginationText {
        case "cursor":
            guard let next = try path(listSection, "next_cursor", required: true) else { throw listSection.error("next_cursor", "missing") }
            pagination = .cursor(param: try listSection.string("cursor_param") ?? "after", nextPath: next)
        case "page":
            pagination = .page(param: try listSection.string("page_param") ?? "page", nextPath: try path(listSection, "next_page", required: false))
        case "offset":
            pagination = .offset(param: try listSection.string("offset_param") ?? "offset")
        default:
            throw listSection.error("pagination", "expected \"cursor\", \"page\" or \"offset\", got \"\(paginationText)\"")
        }
        try listSection.finish(expected: [
            "items", "page_size", "limit_param", "total", "pagination", "next_cursor", "cursor_param", "page_param", "next_page", "offset_param",
        ])

        guard let shape = try root.subsection("object_shape") else {
            throw root.error(nil, "missing section [object_shape] (id, modified)")
        }
        let envelope = try path(shape, "envelope", required: false)
        guard let idPath = try path(shape, "id", required: true), let modified = try path(shape, "modified", required: true) else {
            throw shape.error(nil, "missing id or modified")
        }
        let modifiedFormat = try format(shape, "modified_format") ?? .iso8601
        let concurrencyText = try shape.string("concurrency") ?? "none"
        let concurrency: HTTPConnector.Concurrency
        switch concurrencyText {
        case "none": concurrency = .none
        case "etag": concurrency = .etag
        case "version":
            guard let version = try path(shape, "version", required: true) else { throw shape.error("version", "missing") }
            concurrency = .version(version)
        default:
            throw shape.error("concurrency", "expected \"none\", \"etag\" or \"version\", got \"\(concurrencyText)\"")
        }
        try shape.finish(expected: ["envelope", "id", "modified", "modified_format", "concurrency", "version"])

        guard let fieldsSection = try root.subsection("fields") else {
            throw root.error(nil, "missing section [fields] (field name = JSON path, or { path, type })")
        }
        let fields = try parseFields(fieldsSection)
        let polling = try root.subsection("polling").map { section throws(ConfigurationError) in try parsePolling(section) }
        let webhook = try root.subsection("webhook").map { section throws(ConfigurationError) in try parseWebhook(section) }
        guard polling != nil || webhook != nil else {
            throw root.error(nil, "no change detection: add [polling], [webhook] or both")
        }
        try root.finish(expected: Self.rootKeys)
        return HTTPConnector(
            object: object, baseURL: baseURL, auth: auth, timeoutMillis: timeout, requestsPerSecond: perSecond, burst: burst,
            retries: retries, retryBaseMillis: retryBase, retryMaxMillis: retryMax, list: list, get: get, create: create,
            update: update, delete: delete, itemsPath: items, envelope: envelope, pagination: pagination, limitParam: limitParam,
            pageSize: pageSize, totalPath: total, idPath: idPath, modifiedPath: modified, modifiedFormat: modifiedFormat,
            concurrency: concurrency, fields: fields, polling: polling, webhook: webhook)
    }

    // MARK: Sections

    private func parseAuth(_ section: TOMLSection) throws(ConfigurationError) -> HTTPConnector.Auth {
        let type = try section.requiredString("type", "\"bearer\", \"basic\" or \"none\"")
        let auth: HTTPConnector.Auth
        switch type {
        case "none": auth = .none
        case "bearer": auth = .bearer(try secret(section, "token"))
        case "basic":
            auth = .basic(username: try section.requiredString("username", "the user name"), password: try secret(section, "password"))
        default:
            throw section.error("type", "expected \"bearer\", \"basic\" or \"none\", got \"\(type)\"")
        }
        try section.finish(expected: ["type", "token_env", "token_file", "username", "password_env", "password_file"])
        return auth
    }

    /// `<name>_env` or `<name>_file`, exactly one; `<name>` itself is refused.
    private func secret(_ section: TOMLSection, _ name: String) throws(ConfigurationError) -> HTTPConnector.Secret {
        if section.contains(name) {
            throw section.error(name, "secrets are never written in the connector file; name an environment variable (\(name)_env) or a file (\(name)_file)")
        }
        let environment = try section.string(name + "_env")
        let file = try section.string(name + "_file")
        switch (environment, file) {
        case (let variable?, nil):
            guard !variable.isEmpty else { throw section.error(name + "_env", "must name an environment variable") }
            return .environment(variable)
        case (nil, let path?):
            guard !path.isEmpty else { throw section.error(name + "_file", "must name a file") }
            return .file(context.resolve(path))
        case (.some, .some):
            throw section.error(name + "_file", "give \(name)_env or \(name)_file, not both")
        case (nil, nil):
            throw section.error(nil, "missing key `\(name)_env` or `\(name)_file` (where the \(name) is read from)")
        }
    }

    private func parseFields(_ section: TOMLSection) throws(ConfigurationError) -> [String: HTTPConnector.Field] {
        var fields: [String: HTTPConnector.Field] = [:]
        for name in section.table.keys.sorted() {
            guard name != HTTPDriver.keyColumn else {
                throw section.error(name, "\"\(HTTPDriver.keyColumn)\" is the object's key ([object_shape] id), not a field")
            }
            if let sub = try? section.subsection(name) {
                guard let path = try path(sub, "path", required: true) else { throw sub.error("path", "missing") }
                let typeText = try sub.string("type") ?? "text"
                guard let type = Self.columnType(typeText) else {
                    throw sub.error("type", "expected text, integer, real, boolean, date, timestamp or array, got \"\(typeText)\"")
                }
                try sub.finish(expected: ["path", "type"])
                fields[name] = HTTPConnector.Field(path: path, type: type)
            } else {
                guard let path = try path(section, name, required: true) else { continue }
                fields[name] = HTTPConnector.Field(path: path)
            }
        }
        guard !fields.isEmpty else { throw section.error(nil, "must describe at least one field") }
        return fields
    }

    static func columnType(_ text: String) -> ColumnType? {
        switch text {
        case "text": .text
        case "integer": .integer
        case "real": .real
        case "boolean": .boolean
        case "date": .date
        case "timestamp": .timestamp
        case "array": .array
        default: nil
        }
    }

    private func parsePolling(_ section: TOMLSection) throws(ConfigurationError) -> HTTPConnector.Polling {
        let interval = try positive(section, "interval_ms", default: 5_000)
        let param = try section.requiredString("param", "the query parameter of the updated-since cursor")
        let format = try format(section, "format") ?? .iso8601
        let overlap = try section.int("overlap_ms") ?? 1_000
        guard overlap >= 0 else { throw section.error("overlap_ms", "expected 0 or more milliseconds, got \(overlap)") }
        try section.finish(expected: ["interval_ms", "param", "format", "overlap_ms"])
        return HTTPConnector.Polling(intervalMillis: interval, param: param, format: format, overlapMillis: overlap)
    }

    private func parseWebhook(_ section: TOMLSection) throws(ConfigurationError) -> HTTPConnector.Webhook {
        let listenText = try section.requiredString("listen", "the receiver's address, host:port")
        guard let listen = HostPort(parsing: listenText) else {
            throw section.error("listen", "expected host:port, got \"\(listenText)\"")
        }
        let route = try section.requiredString("path", "the route webhooks are posted to, such as \"/hooks/crm\"")
        guard route.hasPrefix("/") else { throw section.error("path", "expected a path starting with /, got \"\(route)\"") }
        let header = try section.requiredString("signature_header", "the header holding the HMAC-SHA256 signature")
        let prefix = try section.string("signature_prefix") ?? ""
        let encoding = try section.string("signature_encoding") ?? "hex"
        guard encoding == "hex" || encoding == "base64" else {
            throw section.error("signature_encoding", "expected \"hex\" or \"base64\", got \"\(encoding)\"")
        }
        let secret = try secret(section, "secret")
        guard let id = try path(section, "id", required: true) else { throw section.error("id", "missing") }
        let webhook = HTTPConnector.Webhook(
            host: listen.host, port: listen.port, path: route, signatureHeader: header, signaturePrefix: prefix,
            signatureIsHex: encoding == "hex", secret: secret, eventPath: try path(section, "event", required: false),
            deleteEvents: try section.stringArray("delete_events") ?? [], idPath: id,
            objectPath: try path(section, "object", required: false))
        try section.finish(expected: [
            "listen", "path", "signature_header", "signature_prefix", "signature_encoding", "secret_env", "secret_file",
            "event", "delete_events", "id", "object",
        ])
        return webhook
    }

    // MARK: Values

    private func request(_ section: TOMLSection, _ key: String, needsID: Bool) throws(ConfigurationError) -> HTTPConnector.Request {
        let text = try section.requiredString(key, "\"METHOD /path\"")
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        guard parts.count == 2, methods.contains(String(parts[0])), parts[1].hasPrefix("/") else {
            throw section.error(key, "expected \"METHOD /path\" with METHOD one of \(methods.joined(separator: ", ")), got \"\(text)\"")
        }
        let path = String(parts[1])
        if needsID && !path.contains("{id}") {
            throw section.error(key, "the path must hold {id} (the object's key), got \"\(path)\"")
        }
        return HTTPConnector.Request(method: String(parts[0]), path: path)
    }

    private func path(_ section: TOMLSection, _ key: String, required: Bool) throws(ConfigurationError) -> JSONPath? {
        guard let text = try section.string(key) else {
            if required { throw section.error(nil, "missing key `\(key)` (a JSON path such as \"properties.email\")") }
            return nil
        }
        guard let path = JSONPath(text) else {
            throw section.error(key, "expected a JSON path of dotted names such as \"properties.email\", got \"\(text)\"")
        }
        return path
    }

    private func format(_ section: TOMLSection, _ key: String) throws(ConfigurationError) -> HTTPConnector.TimeFormat? {
        guard let text = try section.string(key) else { return nil }
        guard let format = HTTPConnector.TimeFormat(rawValue: text) else {
            throw section.error(key, "expected \"iso8601\", \"millis\" or \"seconds\", got \"\(text)\"")
        }
        return format
    }

    private func positive(_ section: TOMLSection, _ key: String, default value: Int) throws(ConfigurationError) -> Int {
        let number = try section.int(key) ?? value
        guard number >= 1 else { throw section.error(key, "expected 1 or more, got \(number)") }
        return number
    }
}
