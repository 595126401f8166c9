import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// docs/semantics.md, the rows about the hybrid logical clock.
@Suite(.ownThread) struct HybridLogicalClockTests {
    func t(_ physical: UInt64, _ logical: UInt64 = 0) -> HLCTimestamp { Fixture.timestamp(physical, logical) }

    @Test func timestampsPackPhysicalAndLogical() throws {
        let timestamp = try HLCTimestamp(physical: 1_700_000_000_000, logical: 7)
        #expect(timestamp.physical == 1_700_000_000_000)
        #expect(timestamp.logical == 7)
        #expect(timestamp < (try HLCTimestamp(physical: 1_700_000_000_000, logical: 8)))
        #expect(try HLCTimestamp(physical: 1_700_000_000_000, logical: .max) < (try HLCTimestamp(physical: 1_700_000_000_001, logical: 0)))
        #expect(throws: CoreError.physicalTimeOutOfRange(milliseconds: 1 << 48)) {
            try HLCTimestamp(physical: 1 << 48, logical: 0)
        }
    }

    @Test("wall clock steps backwards")
    func wallClockStepsBackwards() {
        var clock = HybridLogicalClock()
        #expect(clock.tick(now: 1_000) == t(1_000))
        var previous = clock.latest
        for now: UInt64 in [1_000, 999, 500, 0, 1_001, 1_001, 2_000, 10, 2_000] {
            let next = clock.tick(now: now)
            #expect(next > previous, "tick at \(now)")
            previous = next
        }
        #expect(previous == t(2_000, 2))
    }

    @Test("more than 65,535 writes within one millisecond")
    func moreThan65535WritesWithinOneMillisecond() {
        var clock = HybridLogicalClock()
        var previous = clock.tick(now: 5_000)
        #expect(previous == t(5_000))
        for _ in 0..<65_536 {
            let next = clock.tick(now: 5_000)
            #expect(next > previous)
            previous = next
        }
        // The logical counter carried into the millisecond.
        #expect(previous == t(5_001, 0))
        #expect(clock.tick(now: 5_001) == t(5_001, 1))
        #expect(clock.tick(now: 5_002) == t(5_002, 0))
    }

    @Test("remote timestamp ahead but within the bound")
    func remoteTimestampAheadButWithinTheBound() throws {
        var clock = HybridLogicalClock()
        _ = clock.tick(now: 10_000)
        let remote = t(10_400, 7)
        try clock.receive(remote, now: 10_000)
        #expect(clock.latest > remote)
        #expect(clock.tick(now: 10_000) > remote)
        // Exactly at the bound is still accepted; one past it is not.
        try clock.receive(t(10_500, 0xFFFF), now: 10_000)
        #expect(throws: CoreError.self) { try clock.receive(t(10_501), now: 10_000) }
    }

    @Test func receiveOfAnOlderTimestampStillAdvances() throws {
        var clock = HybridLogicalClock()
        let local = clock.tick(now: 10_000)
        try clock.receive(t(9_000), now: 9_500)
        #expect(clock.latest > local)
        try clock.receive(t(1), now: 20_000)
        #expect(clock.latest == t(20_000))
    }

    /// Any interleaving of ticks and accepted receipts, with wall time
    /// jumping both ways, yields strictly increasing timestamps, each after
    /// every remote timestamp accepted before it.
    @Test func ticksAndReceiptsAreMonotonic() {
        let event = zip(Gen.bool, Gen.uint64(in: 0...3_000), Gen.uint64(in: 0...600), Gen.uint64(in: 0...3))
        forAll(event.array(of: 1...60), count: 200, seed: 61) { events in
            var clock = HybridLogicalClock()
            var previous = HLCTimestamp.zero
            for (isReceive, now, ahead, logical) in events {
                if isReceive {
                    let remote = Fixture.timestamp(now + ahead, logical)
                    let before = clock
                    do {
                        try clock.receive(remote, now: now)
                        try #require(ahead <= clock.maxOffsetMillis)
                        try #require(clock.latest > remote)
                    } catch {
                        try #require(ahead > clock.maxOffsetMillis)
                        try #require(clock == before)
                        continue
                    }
                } else {
                    _ = clock.tick(now: now)
                }
                try #require(clock.latest > previous)
                previous = clock.latest
            }
        }
    }

    /// At the very end of representable time (year 10889) the clock cannot
    /// advance, but it must never wrap around to zero. Only a local wall
    /// clock (or a resumed `latest`) can take it there.
    @Test func clockNeverWrapsAtTheEndOfTime() throws {
        let end = HLCTimestamp(rawValue: .max)
        var ticking = HybridLogicalClock(latest: end)
        #expect(ticking.tick(now: 1_000) >= end)
        #expect(ticking.tick(now: .max) >= end)
        var walled = HybridLogicalClock()
        #expect(walled.tick(now: .max) == HLCTimestamp(rawValue: HLCTimestamp.maxPhysical << 16))
    }

    /// Issue 12, item 6: a remote timestamp near the end of time used to
    /// bring the clock to `UInt64.max`, after which `tick` stopped
    /// increasing. It is refused now, whatever the drift bound, and the
    /// clock is unchanged.
    @Test("remote timestamp near the end of time")
    func remoteTimestampNearTheEndOfTime() throws {
        let limit = HybridLogicalClock.maxRemotePhysical
        for (bound, now) in [(UInt64.max, UInt64(1_000)), (HybridLogicalClock.defaultMaxOffsetMillis, HLCTimestamp.maxPhysical)] {
            var clock = HybridLogicalClock(maxOffsetMillis: bound)
            _ = clock.tick(now: 1_000)
            let before = clock
            for remote in [HLCTimestamp(rawValue: .max), HLCTimestamp(rawValue: .max - 1), t(limit + 1, 0)] {
                #expect(throws: CoreError.timestampNearEndOfTime(remote, maxPhysical: limit)) {
                    try clock.receive(remote, now: now)
                }
                #expect(clock == before)
            }
        }
        // At the limit: accepted, and the clock still increases.
        var clock = HybridLogicalClock(maxOffsetMillis: .max)
        try clock.receive(t(limit, 0xFFFF), now: 1_000)
        var previous = clock.latest
        for _ in 0..<1_000 {
            let next = clock.tick(now: 1_000)
            #expect(next > previous)
            previous = next
        }
        #expect(UInt64.max - previous.rawValue >= (1 << 48) - 1 - 1_000)
    }
}
