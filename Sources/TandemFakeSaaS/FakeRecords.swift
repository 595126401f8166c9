import Foundation
import Synchronization
public import TandemHTTPAdapter

/// One object of a fake API.
public struct FakeObject: Hashable, Sendable {
    public var id: Int
    /// Field name to value.
    public var fields: [String: JSONValue]
    public var createdMillis: Int64
    /// Strictly increasing across the API: two modifications never share a time.
    public var updatedMillis: Int64
    /// Bumped by every modification (ETag `"<version>"`, or the version field).
    public var version: Int
}

/// The state of a fake API: its objects, its faults, the requests it saw
/// and its webhook subscription. Thread-safe (a `Mutex`); every mutation
/// returns the object as the API would answer it.
public final class FakeRecords: Sendable {
    struct State {
        var objects: [Int: FakeObject] = [:]
        var nextID = 101
        var lastMillis: Int64 = 0
        var faults = FakeFaults()
        var requests: [(method: String, path: String, atMillis: Int64)] = []
        var rateLimited = 0
        var rateLimitedAtMillis: [Int64] = []
        var failed = 0
    }

    let state = Mutex(State())

    public init() {}

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A modification time after every earlier one.
    private static func tick(_ state: inout State) -> Int64 {
        state.lastMillis = max(nowMillis(), state.lastMillis + 1)
        return state.lastMillis
    }

    public var faults: FakeFaults {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0.faults = newValue } }
    }

    /// Changes the faults in place.
    public func setFaults(_ change: (inout FakeFaults) -> Void) { state.withLock { change(&$0.faults) } }

    /// Requests seen (method, path), in order.
    public var requests: [(method: String, path: String, atMillis: Int64)] { state.withLock { $0.requests } }
    public var rateLimitedCount: Int { state.withLock { $0.rateLimited } }
    /// When each request answered 429 arrived, in order.
    public var rateLimitedAtMillis: [Int64] { state.withLock { $0.rateLimitedAtMillis } }
    public var failedCount: Int { state.withLock { $0.failed } }

    /// The objects, by id order.
    public var all: [FakeObject] { state.withLock { $0.objects.values.sorted { $0.id < $1.id } } }

    public func object(_ id: Int) -> FakeObject? { state.withLock { $0.objects[id] } }

    /// The first object whose `field` is `value`.
    public func find(_ field: String, _ value: String) -> FakeObject? {
        all.first { $0.fields[field] == .string(value) }
    }

    /// What an incoming request meets first: a 429 or a 503 when switched on.
    enum Gate { case pass, rateLimited(String), unavailable }

    func admit(_ method: String, _ path: String) -> Gate {
        state.withLock { state in
            let now = Self.nowMillis()
            state.requests.append((method, path, now))
            if state.faults.rateLimitNext > 0 {
                state.faults.rateLimitNext -= 1
                state.rateLimited += 1
                state.rateLimitedAtMillis.append(now)
                return .rateLimited(state.faults.retryAfter)
            }
            if state.faults.failNext > 0 {
                state.faults.failNext -= 1
                state.failed += 1
                return .unavailable
            }
            return .pass
        }
    }

    func refuses(_ fields: [String: JSONValue]) -> Bool {
        state.withLock { state in
            guard let bad = state.faults.refuseEmailsContaining, case .string(let email) = fields["email"] ?? .null else { return false }
            return email.contains(bad)
        }
    }

    /// Creates an object (as a user of the API's own UI would).
    @discardableResult
    public func create(_ fields: [String: JSONValue]) -> FakeObject {
        state.withLock { state in
            let now = Self.tick(&state)
            let object = FakeObject(id: state.nextID, fields: fields, createdMillis: now, updatedMillis: now, version: 1)
            state.nextID += 1
            state.objects[object.id] = object
            return object
        }
    }

    /// Sets `fields` of object `id` (others kept); nil if there is none.
    @discardableResult
    public func update(_ id: Int, _ fields: [String: JSONValue], merging: Bool = false) -> FakeObject? {
        state.withLock { state in
            guard var object = state.objects[id] else { return nil }
            for (name, value) in fields {
                // Nested objects (user_fields) merge member by member.
                if merging, case .object(let new) = value, case .object(var old) = object.fields[name] ?? .null {
                    old.merge(new) { _, next in next }
                    object.fields[name] = .object(old)
                } else {
                    object.fields[name] = value
                }
            }
            object.updatedMillis = Self.tick(&state)
            object.version += 1
            state.objects[id] = object
            return object
        }
    }

    /// Deletes object `id`; returns it as it was, with the deletion time.
    @discardableResult
    public func delete(_ id: Int) -> FakeObject? {
        state.withLock { state in
            guard var object = state.objects.removeValue(forKey: id) else { return nil }
            object.updatedMillis = Self.tick(&state)
            return object
        }
    }

    /// Objects with an id above `after`, modified at or after `since`, in id order.
    func page(after: Int?, since: Int64?, limit: Int) -> (objects: [FakeObject], more: Bool) {
        let matching = all.filter { ($0.id > (after ?? .min)) && ($0.updatedMillis >= (since ?? .min)) }
        return (Array(matching.prefix(limit)), matching.count > limit)
    }

    /// Objects modified at or after `since`, in id order (for numbered pages and offsets).
    func filtered(since: Int64?) -> [FakeObject] {
        all.filter { $0.updatedMillis >= (since ?? .min) }
    }

    /// After serving a first page: the switched-on deletion under the reader.
    func afterFirstPage() -> FakeObject? {
        let id = state.withLock { state -> Int? in
            defer { state.faults.deleteDuringListing = nil }
            return state.faults.deleteDuringListing.flatMap(Int.init)
        }
        return id.flatMap(delete)
    }
}
