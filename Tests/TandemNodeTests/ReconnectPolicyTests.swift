import Testing
@testable import TandemNode

@Suite("Reconnect backoff")
struct ReconnectPolicyTests {
    @Test("the delay doubles per failure up to the cap, scaled into [1/2, 1] by the jitter")
    func backoff() {
        let low = ReconnectPolicy(baseDelayMillis: 100, maxDelayMillis: 1_000, jitter: { 0 })
        let high = ReconnectPolicy(baseDelayMillis: 100, maxDelayMillis: 1_000, jitter: { 1 })
        #expect((0...5).map { low.delayMillis(afterFailures: $0) } == [50, 100, 200, 400, 500, 500])
        #expect((0...5).map { high.delayMillis(afterFailures: $0) } == [100, 200, 400, 800, 1_000, 1_000])
        #expect(high.delayMillis(afterFailures: 1_000) == 1_000)
        let wild = ReconnectPolicy(baseDelayMillis: 100, maxDelayMillis: 1_000, jitter: { .nan })
        #expect(wild.delayMillis(afterFailures: 0) == 100)
        let outOfRange = ReconnectPolicy(baseDelayMillis: 100, maxDelayMillis: 1_000, jitter: { -3 })
        #expect(outOfRange.delayMillis(afterFailures: 0) == 50)
    }
}
