public import TandemAdapterCore

/// One API object type described by a connector file (`kind = "http"`,
/// docs/adapters.md "The HTTP driver"): where it is, how to authenticate,
/// its list/get/create/update/delete requests, how lists page, how changes
/// are noticed (webhooks, polling or both), and where each field, the key
/// and the last-modified time sit in its JSON.
///
/// Plain data: the daemon's connector parser fills it and checks it
/// (every path non-empty, the intervals in range); `HTTPDriver` runs it.
public struct HTTPConnector: Hashable, Sendable {
    /// A secret's source: never the connector file itself.
    public enum Secret: Hashable, Sendable {
        /// The value of an environment variable.
        case environment(String)
        /// The contents of a file (trailing white space removed).
        case file(String)
    }

    /// How requests authenticate.
    public enum Auth: Hashable, Sendable {
        case none
        /// `Authorization: Bearer <token>`.
        case bearer(Secret)
        /// `Authorization: Basic base64(username:password)`.
        case basic(username: String, password: Secret)
    }

    /// How a list walks its pages.
    public enum Pagination: Hashable, Sendable {
        /// The answer names the next page's cursor (`paging.next.after`),
        /// sent back as `param`; no cursor: the last page.
        case cursor(param: String, nextPath: JSONPath)
        /// Numbered pages from 1 (`page=2`); the list ends at an empty
        /// page, or when `nextPath` (if set) is null.
        case page(param: String, nextPath: JSONPath?)
        /// Items skipped (`offset=200`); the list ends at a short page.
        case offset(param: String)
    }

    /// How timestamps are written in the API's JSON and queries.
    public enum TimeFormat: String, Hashable, Sendable, CaseIterable {
        /// ISO 8601 text (`2026-12-05T10:00:00.250Z`).
        case iso8601
        /// Milliseconds since the Unix epoch (a number or numeric text).
        case millis
        /// Seconds since the Unix epoch.
        case seconds
    }

    /// How the API refuses a write made from a stale read.
    public enum Concurrency: Hashable, Sendable {
        case none
        /// `If-Match: <ETag>` on updates and deletes; 412 when stale.
        case etag
        /// The object's version at this path is sent back in the update;
        /// 409 when stale.
        case version(JSONPath)
    }

    /// One request: method and path (`{id}` is the object's key).
    public struct Request: Hashable, Sendable {
        public var method: String
        public var path: String

        public init(method: String, path: String) {
            self.method = method
            self.path = path
        }
    }

    /// Polling with an `updated_since` cursor.
    public struct Polling: Hashable, Sendable {
        public var intervalMillis: Int
        /// The query parameter that takes the cursor.
        public var param: String
        public var format: TimeFormat
        /// How far before the newest seen modification the next poll starts
        /// (clock skew, equal timestamps).
        public var overlapMillis: Int

        public init(intervalMillis: Int, param: String, format: TimeFormat, overlapMillis: Int) {
            self.intervalMillis = intervalMillis
            self.param = param
            self.format = format
            self.overlapMillis = overlapMillis
        }
    }

    /// The webhook receiver.
    public struct Webhook: Hashable, Sendable {
        public var host: String
        public var port: Int
        /// The route (`/hooks/crm`).
        public var path: String
        /// The header holding the HMAC-SHA256 of the raw body.
        public var signatureHeader: String
        /// Text before the signature (`sha256=`), if any.
        public var signaturePrefix: String
        /// Whether the signature is hex (else base64).
        public var signatureIsHex: Bool
        public var secret: Secret
        /// Where the event's type is (`type`), for `deleteEvents`.
        public var eventPath: JSONPath?
        /// Event types that mean the object was deleted.
        public var deleteEvents: [String]
        /// Where the object's key is.
        public var idPath: JSONPath
        /// Where the whole object is, if the payload carries it (else the
        /// driver reads it with the get request).
        public var objectPath: JSONPath?

        public init(
            host: String, port: Int, path: String, signatureHeader: String, signaturePrefix: String, signatureIsHex: Bool,
            secret: Secret, eventPath: JSONPath?, deleteEvents: [String], idPath: JSONPath, objectPath: JSONPath?
        ) {
            self.host = host
            self.port = port
            self.path = path
            self.signatureHeader = signatureHeader
            self.signaturePrefix = signaturePrefix
            self.signatureIsHex = signatureIsHex
            self.secret = secret
            self.eventPath = eventPath
            self.deleteEvents = deleteEvents
            self.idPath = idPath
            self.objectPath = objectPath
        }
    }

    /// One field of the object: where it is and its type.
    public struct Field: Hashable, Sendable {
        public var path: JSONPath
        public var type: ColumnType

        public init(path: JSONPath, type: ColumnType = .text) {
            self.path = path
            self.type = type
        }
    }

    /// The object type's name (the adapter's `table`).
    public var object: String
    /// `https://api.example.com` (no trailing slash).
    public var baseURL: String
    public var auth: Auth
    public var timeoutMillis: Int
    /// Requests per second this connector may send (a token bucket of
    /// `burst` requests).
    public var requestsPerSecond: Double
    public var burst: Int
    /// Attempts of one request after the first (429, 5xx, timeouts).
    public var retries: Int
    public var retryBaseMillis: Int
    public var retryMaxMillis: Int
    public var list: Request
    public var get: Request
    public var create: Request
    public var update: Request
    public var delete: Request
    /// Where the objects of a list answer are (`results`, `users`).
    public var itemsPath: JSONPath
    /// Where the object sits in single-object answers and request bodies
    /// (`user`); nil: the body is the object.
    public var envelope: JSONPath?
    public var pagination: Pagination
    /// The page size parameter and size.
    public var limitParam: String
    public var pageSize: Int
    /// Where a list answer holds the total count, for walks that change
    /// under the reader (numbered pages, offsets).
    public var totalPath: JSONPath?
    public var idPath: JSONPath
    public var modifiedPath: JSONPath
    public var modifiedFormat: TimeFormat
    public var concurrency: Concurrency
    /// Field name (the adapter's column) to its place and type.
    public var fields: [String: Field]
    public var polling: Polling?
    public var webhook: Webhook?

    public init(
        object: String, baseURL: String, auth: Auth = .none, timeoutMillis: Int = 10_000,
        requestsPerSecond: Double = 10, burst: Int = 10, retries: Int = 5, retryBaseMillis: Int = 200,
        retryMaxMillis: Int = 10_000, list: Request, get: Request, create: Request, update: Request, delete: Request,
        itemsPath: JSONPath, envelope: JSONPath? = nil, pagination: Pagination, limitParam: String = "limit",
        pageSize: Int = 100, totalPath: JSONPath? = nil, idPath: JSONPath, modifiedPath: JSONPath,
        modifiedFormat: TimeFormat = .iso8601, concurrency: Concurrency = .none, fields: [String: Field],
        polling: Polling? = nil, webhook: Webhook? = nil
    ) {
        self.object = object
        self.baseURL = baseURL
        self.auth = auth
        self.timeoutMillis = timeoutMillis
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.retries = retries
        self.retryBaseMillis = retryBaseMillis
        self.retryMaxMillis = retryMaxMillis
        self.list = list
        self.get = get
        self.create = create
        self.update = update
        self.delete = delete
        self.itemsPath = itemsPath
        self.envelope = envelope
        self.pagination = pagination
        self.limitParam = limitParam
        self.pageSize = pageSize
        self.totalPath = totalPath
        self.idPath = idPath
        self.modifiedPath = modifiedPath
        self.modifiedFormat = modifiedFormat
        self.concurrency = concurrency
        self.fields = fields
        self.polling = polling
        self.webhook = webhook
    }
}
