/// A wait in a test that passed its deadline.
public struct Timeout: Error, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every 5 ms until it holds, failing with `Timeout` after
/// `seconds` measured from this call (the step it guards, not the test's
/// start): every wait in the tests has a deadline, none is a fixed sleep.
public func eventually(
    _ what: String, within seconds: Double = 60, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    if try await condition() { return }
    throw Timeout(what: what)
}
