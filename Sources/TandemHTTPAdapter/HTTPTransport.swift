import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends the connector's requests through one shared AsyncHTTPClient
/// client (connections reused), each with the connector's timeout, within
/// its request budget.
///
/// Guarantees: an HTTP 429 is waited out (its `Retry-After`, else backoff)
/// and retried; a 5xx, a timeout or a lost connection is retried with
/// exponential backoff and jitter (a create only after a 429 or a 503: see
/// `send`); after `retries` repeated attempts the request throws, so the
/// caller keeps the record for later (the runner's retry queue). Any other
/// answer is returned as it is.
final class HTTPTransport: Sendable {
    /// One answer.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        var isSuccess: Bool { (200..<300).contains(status) }

        func json(_ source: String) throws(HTTPAdapterError) -> JSONValue {
            try JSONValue.parse(body, from: source)
        }

        var text: String { String(decoding: body.prefix(300), as: UTF8.self) }
    }

    let connector: HTTPConnector
    let authorization: String?
    let backoff: RetryBackoff
    private let client: HTTPClient
    private let budget: Mutex<RequestBudget>
    let stats: StatsBox

    init(connector: HTTPConnector, authorization: String?, stats: StatsBox) {
        self.connector = connector
        self.authorization = authorization
        self.stats = stats
        self.backoff = RetryBackoff(baseMillis: connector.retryBaseMillis, maxMillis: connector.retryMaxMillis)
        self.budget = Mutex(RequestBudget(perSecond: connector.requestsPerSecond, burst: connector.burst))
        var configuration = HTTPClient.Configuration()
        let timeout = TimeAmount.milliseconds(Int64(connector.timeoutMillis))
        configuration.timeout = .init(connect: timeout, read: timeout)
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The URL of `path` (`{id}` replaced by the percent-encoded `id`) with `query`.
    func url(_ path: String, id: String? = nil, query: [(String, String)] = []) -> String {
        var resolved = path
        if let id {
            let encoded = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id
            resolved = resolved.replacingOccurrences(of: "{id}", with: encoded)
        }
        var url = connector.baseURL + resolved
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            let encoded = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
            url += (url.contains("?") ? "&" : "?") + encoded
        }
        return url
    }

    /// Sends one request, with the retries described above. A request that
    /// is not `idempotent` (a POST that creates an object) is retried only
    /// after an answer that says the API did not act on it (429, 503): after
    /// a timeout, a lost connection or another 5xx the object may exist
    /// already, and sending it again would make a second one. Such a failure
    /// is thrown at once; the runner retries the write later, by when the
    /// object's webhook or the next poll has shown it (and matching has
    /// given it its record).
    func send(
        _ method: String, _ url: String, body: JSONValue? = nil, headers: [(String, String)] = [], idempotent: Bool = true
    ) async throws -> Answer {
        let label = "\(method) \(url)"
        var attempt = 0
        var lastFailure: HTTPAdapterError = .transport(request: label, reason: "not sent")
        while true {
            try await waitForBudget()
            var request = HTTPClientRequest(url: url)
            request.method = HTTPMethod(rawValue: method)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "tandem")
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: Array(body.encoded())))
            }
            stats.withLock { $0.requests += 1 }
            var wait: Int?
            do {
                let answer = try await exchange(request)
                switch answer.status {
                case 429:
                    stats.withLock { $0.rateLimited += 1 }
                    lastFailure = .status(request: label, code: 429, body: answer.text)
                    wait = backoff.retryAfterMillis(answer.headers.first(name: "Retry-After"))
                        ?? backoff.delayMillis(attempt: attempt + 1, fraction: Double.random(in: 0..<1))
                case 500...599:
                    lastFailure = .status(request: label, code: answer.status, body: answer.text)
                    if !idempotent && answer.status != 503 { throw Uncertain() }
                default:
                    return answer
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch is Uncertain {
                throw lastFailure
            } catch {
                lastFailure = .transport(request: label, reason: "\(error)")
                if !idempotent {
                    throw HTTPAdapterError.transport(
                        request: label, reason: "\(error); not sent again at once: the API may have made the object")
                }
            }
            attempt += 1
            guard attempt <= connector.retries else { throw lastFailure }
            if wait == nil { stats.withLock { $0.retried += 1 } }
            let delay = wait ?? backoff.delayMillis(attempt: attempt, fraction: Double.random(in: 0..<1))
            try await Task.sleep(for: .milliseconds(delay))
        }
    }

    /// One attempt: the request and its whole answer, body included,
    /// within `timeoutMillis` (the client's own timeouts cover the
    /// connection and each read; this bounds the attempt as a whole).
    private func exchange(_ request: HTTPClientRequest) async throws -> Answer {
        let client = self.client
        let timeout = connector.timeoutMillis
        return try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout)))
                let bytes = try await response.body.collect(upTo: 16 << 20)
                return Answer(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(timeout))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else {
                throw HTTPAdapterError.transport(request: "\(request.method) \(request.url)", reason: "no complete answer within \(timeout) ms")
            }
            return answer
        }
    }

    private func waitForBudget() async throws {
        let wait = budget.withLock { $0.take(now: Self.nowMillis()) }
        guard wait > 0 else { return }
        stats.withLock { $0.budgetWaitMillis += wait }
        try await Task.sleep(for: .milliseconds(wait))
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}

/// A non-idempotent request's failure that may have acted: not retried.
private struct Uncertain: Error {}
