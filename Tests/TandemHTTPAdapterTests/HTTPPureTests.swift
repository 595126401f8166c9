import Foundation
import TandemAdapterCore
import TandemFakeSaaS
import TandemHTTPAdapter
import Testing

/// The pure parts of the HTTP driver: JSON paths, the object codec, the
/// request budget and the backoff.
@Suite("HTTP driver, pure parts")
struct HTTPPureTests {
    @Test("JSON paths read and write nested members; bad paths are refused")
    func paths() throws {
        let path = try #require(JSONPath("properties.renewal_date"))
        var object = JSONValue.object([:])
        object.set(.string("2027-01-31"), at: path)
        #expect(object == .object(["properties": .object(["renewal_date": .string("2027-01-31")])]))
        #expect(object[path: path] == .string("2027-01-31"))
        #expect(object[path: try #require(JSONPath("properties.missing"))] == nil)
        #expect(JSONPath("a..b") == nil && JSONPath("") == nil && JSONPath(".a") == nil)
        let list = JSONValue.object(["items": .array([.int(1), .int(2)])])
        #expect(list[path: try #require(JSONPath("items.1"))] == .int(2))
    }

    @Test("the codec reads an object's key, time, fields and version, and builds bodies inside the envelope")
    func codec() throws {
        let codec = HTTPObjectCodec(connector: FakeConnectors.helpdesk(baseURL: "http://x"))
        let answer = try JSONValue.parse(Data("""
            {"user": {"id": 7, "email": "ada@example.com", "name": null, "updated_at": "2026-12-05T10:00:00.250Z",
                      "version": 3, "user_fields": {"renewal_date": "2027-01-31"}}}
            """.utf8), from: "test")
        let decoded = try codec.decode(try codec.unwrap(answer, source: "test"), source: "test")
        #expect(decoded.key == "7")
        #expect(decoded.modifiedMillis == (CanonicalTime.millis("2026-12-05T10:00:00.250Z") ?? 0))
        #expect(decoded.columns["email"] == .text("ada@example.com"))
        #expect(decoded.columns["name"] == .null)
        #expect(decoded.columns["phone"] == .null)
        #expect(decoded.columns["renewal_date"] == .text("2027-01-31"))
        #expect(decoded.version == .int(3))
        let body = codec.body(["renewal_date": .text("2027-02-01"), "email": .text("a@b")], version: .int(3))
        #expect(body == .object(["user": .object([
            "email": .string("a@b"), "user_fields": .object(["renewal_date": .string("2027-02-01")]), "version": .int(3),
        ])]))
        // No key, or no readable time: an error naming the path.
        #expect(throws: HTTPAdapterError.missing(source: "test", path: "id")) {
            try codec.decode(.object(["updated_at": .string("2026-12-05T10:00:00Z")]), source: "test")
        }
        #expect(throws: HTTPAdapterError.self) { try codec.decode(.object(["id": .int(1), "updated_at": .string("yesterday")]), source: "test") }
        #expect(throws: HTTPAdapterError.self) { try JSONValue.parse(Data("{".utf8), from: "test") }
    }

    @Test("time formats convert both ways")
    func times() {
        #expect(HTTPObjectCodec.millis(.int(1_700_000_000), format: .seconds) == 1_700_000_000_000)
        #expect(HTTPObjectCodec.millis(.string("1700000000123"), format: .millis) == 1_700_000_000_123)
        #expect(HTTPObjectCodec.millis(.string("x"), format: .millis) == nil)
        #expect(HTTPObjectCodec.text(millis: 1_700_000_000_123, format: .iso8601) == "2023-11-14T22:13:20.123Z")
        #expect(HTTPObjectCodec.millis(.int(Int64.max), format: .seconds) == nil)
    }

    @Test("the request budget grants a burst, then one request per 1/rate")
    func budget() {
        var budget = RequestBudget(perSecond: 5, burst: 2)
        #expect(budget.take(now: 1_000) == 0)
        #expect(budget.take(now: 1_000) == 0)
        #expect(budget.take(now: 1_000) == 200)
        #expect(budget.take(now: 1_000) == 400)
        // Ten seconds later the bucket is full again: two tokens, no more.
        var later = RequestBudget(perSecond: 5, burst: 2)
        _ = later.take(now: 0)
        _ = later.take(now: 0)
        #expect(later.take(now: 10_000) == 0)
        #expect(later.take(now: 10_000) == 0)
        #expect(later.take(now: 10_000) == 200)
    }

    @Test("backoff doubles with jitter in the upper half, capped; Retry-After is read as seconds")
    func backoff() {
        let backoff = RetryBackoff(baseMillis: 100, maxMillis: 1_000)
        #expect(backoff.delayMillis(attempt: 1, fraction: 0) == 50)
        #expect(backoff.delayMillis(attempt: 1, fraction: 0.999) == 99)
        #expect(backoff.delayMillis(attempt: 3, fraction: 0) == 200)
        #expect(backoff.delayMillis(attempt: 10, fraction: 0.5) == 750)
        #expect(backoff.retryAfterMillis("2") == 2_000)
        #expect(backoff.retryAfterMillis("0.25") == 250)
        #expect(backoff.retryAfterMillis("Wed, 21 Oct 2026 07:28:00 GMT") == nil)
        #expect(backoff.retryAfterMillis("3600") == 6_000)
        #expect(backoff.retryAfterMillis(nil) == nil)
    }
}
