import TandemCore
import TandemTestSupport
import Testing

/// docs/semantics.md: a remote timestamp further ahead than the drift bound
/// is refused, and the change is held until local time catches up.
@Suite(.ownThread) struct ClockDriftTests {
    let a = Fixture.a, b = Fixture.b
    func t(_ physical: UInt64, _ logical: UInt64 = 0) -> HLCTimestamp { Fixture.timestamp(physical, logical) }

    @Test("remote timestamp further ahead than the drift bound (default 500 ms)")
    func remoteTimestampFurtherAheadThanTheDriftBound() throws {
        // b's wall clock runs 10 s fast.
        var clockB = HybridLogicalClock()
        var replicaB = RecordCollection()
        let delta = try replicaB.set("name", to: .string("from the future"), in: "r1", by: b, at: clockB.tick(now: 20_000))
        let stamp = try #require(delta.maxTimestamp)
        #expect(stamp == t(20_000))

        var clockA = HybridLogicalClock()
        let localBefore = clockA.tick(now: 10_000)
        let unchanged = clockA
        let refusal = #expect(throws: CoreError.self) { try clockA.receive(stamp, now: 10_000) }
        guard case .clockDriftExceeded(let refused)? = refusal else {
            Issue.record("expected clockDriftExceeded, got \(String(describing: refusal))")
            return
        }
        #expect(refused.remote == stamp)
        #expect(refused.localWallMillis == 10_000)
        #expect(refused.maxOffsetMillis == HybridLogicalClock.defaultMaxOffsetMillis)
        #expect(refused.aheadMillis == 10_000)
        #expect(clockA == unchanged)
        #expect(clockA.latest == localBefore)

        var hold = DriftHold<RecordCollection>()
        guard case .held(let drift) = hold.admit(delta, timestamp: stamp, clock: clockA, now: 10_000) else {
            Issue.record("a delta 10 s ahead must be held")
            return
        }
        #expect(drift.aheadMillis == 10_000)
        #expect(hold.count == 1)
        #expect(hold.releaseReady(clock: clockA, now: 15_000).isEmpty)
        #expect(hold.releaseReady(clock: clockA, now: 19_499).isEmpty)

        // Once local time is within 500 ms, it is released and applied.
        let released = hold.releaseReady(clock: clockA, now: 19_500)
        #expect(released == [delta])
        #expect(hold.count == 0)
        var replicaA = RecordCollection()
        for held in released {
            try clockA.receive(try #require(held.maxTimestamp), now: 19_500)
            replicaA.join(held)
        }
        #expect(replicaA.value(of: "name", in: "r1") == .string("from the future"))
        #expect(clockA.tick(now: 19_500) > stamp)
    }

    @Test func holdAcceptsWithinTheBound() {
        var hold = DriftHold<Int>()
        let clock = HybridLogicalClock()
        guard case .accepted = hold.admit(1, timestamp: t(10_500), clock: clock, now: 10_000) else {
            Issue.record("a timestamp at the bound is accepted")
            return
        }
        #expect(hold.count == 0)
    }

    @Test func holdReleasesInTimestampOrderAndRefusesWhenFull() {
        var hold = DriftHold<String>(capacity: 2)
        let clock = HybridLogicalClock()
        guard case .held = hold.admit("late", timestamp: t(30_000), clock: clock, now: 10_000),
            case .held = hold.admit("early", timestamp: t(20_000), clock: clock, now: 10_000)
        else {
            Issue.record("both are too far ahead and the hold has room")
            return
        }
        guard case .refused(let drift) = hold.admit("full", timestamp: t(25_000), clock: clock, now: 10_000) else {
            Issue.record("a full hold refuses")
            return
        }
        #expect(drift.aheadMillis == 15_000)
        #expect(hold.heldTimestamps == [t(20_000), t(30_000)])
        #expect(hold.releaseReady(clock: clock, now: 25_000) == ["early"])
        #expect(hold.releaseReady(clock: clock, now: 29_500) == ["late"])
        #expect(hold.count == 0)
    }

    /// Items with equal timestamps come out in the order they arrived.
    @Test func holdKeepsArrivalOrderForEqualTimestamps() {
        var hold = DriftHold<Int>()
        let clock = HybridLogicalClock()
        for item in 0..<5 { _ = hold.admit(item, timestamp: t(20_000), clock: clock, now: 0) }
        #expect(hold.releaseReady(clock: clock, now: 20_000) == [0, 1, 2, 3, 4])
    }

    /// With a drift bound larger than any time, nothing is ever too far
    /// ahead, up to the end of time (`maxRemotePhysical`).
    @Test func unboundedDriftLimitAcceptsEveryTimestampBeforeTheEndOfTime() throws {
        var clock = HybridLogicalClock(maxOffsetMillis: .max)
        try clock.check(t(HybridLogicalClock.maxRemotePhysical, 0xFFFF), now: 1_000)
        try clock.receive(t(2_000), now: 1_000)
        #expect(clock.latest > t(2_000))
    }

    /// A timestamp near the end of time is never held: no wait makes it
    /// acceptable.
    @Test func holdRefusesTimestampsNearTheEndOfTime() {
        var hold = DriftHold<Int>()
        let clock = HybridLogicalClock()
        let remote = t(HLCTimestamp.maxPhysical, 0)
        guard case .beyondHorizon = hold.admit(1, timestamp: remote, clock: clock, now: HLCTimestamp.maxPhysical) else {
            Issue.record("a timestamp near the end of time was not refused")
            return
        }
        #expect(hold.count == 0)
    }
}
