import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TandemCrypto
import TandemHTTPAdapter

/// Delivers a fake API's webhooks to its subscriber: JSON POSTs signed with
/// HMAC-SHA256 of the body (hex or base64, after an optional prefix), one
/// at a time in order, each retried up to 3 times on a non-2xx answer (as
/// real senders do). Held, duplicated or wrongly signed when the faults
/// say so.
public final class FakeWebhookSender: Sendable {
    public struct Subscription: Hashable, Sendable {
        public var url: String
        public var secret: String
        public var header: String
        public var prefix: String
        public var hex: Bool

        public init(url: String, secret: String, header: String, prefix: String = "", hex: Bool = true) {
            self.url = url
            self.secret = secret
            self.header = header
            self.prefix = prefix
            self.hex = hex
        }
    }

    struct State {
        var subscription: Subscription?
        var held: [JSONValue] = []
        /// Answer statuses of every delivery attempt, in order.
        var statuses: [Int] = []
    }

    /// The state, shared with the delivery task (a `Mutex` cannot be copied).
    final class Box: Sendable {
        let state = Mutex(State())
    }

    private let box: Box
    private let records: FakeRecords
    private let client: HTTPClient
    private let queue: AsyncStream<JSONValue>.Continuation
    private let worker: Task<Void, Never>

    init(records: FakeRecords) {
        let box = Box()
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        let (stream, continuation) = AsyncStream.makeStream(of: JSONValue.self)
        self.box = box
        self.client = client
        self.records = records
        queue = continuation
        worker = Task {
            for await payload in stream {
                await Self.post(payload, box: box, client: client, records: records)
            }
        }
    }

    /// Where webhooks go from now on (nil: nowhere).
    public func subscribe(_ subscription: Subscription?) { box.state.withLock { $0.subscription = subscription } }

    /// Answer statuses of every delivery attempt so far.
    public var statuses: [Int] { box.state.withLock { $0.statuses } }

    /// Webhooks held (faults.holdWebhooks) and not yet released.
    public var heldCount: Int { box.state.withLock { $0.held.count } }

    /// Delivers the held webhooks, in order or reversed.
    public func releaseWebhooks(reversed: Bool = false) {
        let held = box.state.withLock { state in
            defer { state.held = [] }
            return state.held
        }
        for payload in reversed ? held.reversed() : held { queue.yield(payload) }
    }

    func send(_ payload: JSONValue) {
        let faults = records.faults
        if faults.holdWebhooks {
            box.state.withLock { $0.held.append(payload) }
            return
        }
        queue.yield(payload)
        if faults.duplicateWebhooks { queue.yield(payload) }
    }

    private static func post(_ payload: JSONValue, box: Box, client: HTTPClient, records: FakeRecords) async {
        guard let subscription = box.state.withLock({ $0.subscription }) else { return }
        let body = Array(payload.encoded())
        let key = records.faults.badSignature ? Array("not-the-secret".utf8) : Array(subscription.secret.utf8)
        let tag = (try? HMACSHA256.authenticate(body, key: key)) ?? []
        let signature = subscription.prefix
            + (subscription.hex ? tag.map { String(format: "%02x", $0) }.joined() : Data(tag).base64EncodedString())
        for attempt in 0..<3 {
            var request = HTTPClientRequest(url: subscription.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: subscription.header, value: signature)
            request.body = .bytes(ByteBuffer(bytes: body))
            var status = 0
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 20)
                status = Int(response.status.code)
            } catch {
                status = 0
            }
            box.state.withLock { $0.statuses.append(status) }
            if (200..<300).contains(status) || status == 401 || status == 400 { return }
            if attempt < 2 { try? await Task.sleep(for: .milliseconds(50)) }  // a sender's retry delay, not synchronisation
        }
    }

    func shutdown() async {
        queue.finish()
        await worker.value
        try? await client.shutdown()
    }
}
