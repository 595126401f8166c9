import TandemCore
import TandemTestSupport
import Testing

/// The sync machine's drift hold under a peer that dates its batches far
/// ahead: bounded by a horizon, by bytes, and by bytes per origin.
@Suite(.ownThread) struct SyncMachineDriftHoldTests {
    let me = Fixture.a
    let peer = Fixture.b
    let other = Fixture.c
    let now: UInt64 = 1_700_000_000_000

    func machine(_ bounds: DriftHoldBounds = DriftHoldBounds()) -> SyncMachine {
        var configuration = SyncConfiguration(trustedOrigins: [me, peer, other])
        configuration.driftHold = bounds
        var machine = SyncMachine(
            node: me, configuration: configuration, held: BatchVector(), compacted: BatchVector(),
            clock: HybridLogicalClock(), verify: { _ in true })
        _ = machine.handle(.peerConnected(peer), now: now)
        return machine
    }

    /// A batch of `origin` with about `kib` KiB of values, stamped `aheadMillis` ahead of `now`.
    func batch(_ origin: NodeID, _ sequence: UInt64, kib: Int, aheadMillis: UInt64) throws -> DeltaBatch {
        var state = RecordCollection()
        let value = String(repeating: "x", count: 1_024)
        let fields = (0..<kib).map { ("f\($0)", Value.string(value)) }
        let delta = try state.update(
            "r\(sequence)", fields: fields, by: origin, at: HLCTimestamp(physical: now + aheadMillis, logical: 0))
        return DeltaBatch(origin: origin, sequence: sequence, collection: "customers", payload: delta.encoded())
    }

    func rejections(_ actions: [SyncAction]) -> [String] {
        actions.compactMap { if case .reject(let rejection, _) = $0 { rejection.reason } else { nil } }
    }

    @Test func batchesDatedBeyondTheHorizonAreRefusedNotHeld() throws {
        var machine = machine()
        let year2100: UInt64 = 4_102_444_800_000 - now
        var refused: [String] = []
        for sequence in 1...24 {
            let actions = machine.handle(
                .received(.batches([try batch(peer, UInt64(sequence), kib: 64, aheadMillis: year2100)]), from: peer), now: now)
            refused += rejections(actions)
        }
        #expect(refused == Array(repeating: "clock_skew_beyond_horizon", count: 24))
        #expect(machine.heldForClockSkew == 0)
        // Within the horizon, a batch is still held (not lost).
        let soon = machine.handle(.received(.batches([try batch(peer, 25, kib: 1, aheadMillis: 60_000)]), from: peer), now: now)
        #expect(soon.contains { if case .holdForClockSkew = $0 { true } else { false } })
        #expect(machine.heldForClockSkew == 1)
    }

    @Test func oneOriginCannotFillTheHoldForTheOthers() throws {
        var machine = machine(DriftHoldBounds(maxBytes: 2_000_000, maxBytesPerOrigin: 700_000))
        var reasons: [String] = []
        for sequence in 1...4 {
            let actions = machine.handle(
                .received(.batches([try batch(peer, UInt64(sequence), kib: 300, aheadMillis: 60_000)]), from: peer), now: now)
            reasons += rejections(actions)
        }
        // Two of about 300 KiB fit in the origin's 700 kB; the third and fourth do not.
        #expect(machine.heldForClockSkew == 2)
        #expect(reasons == ["clock_skew_hold_full", "clock_skew_hold_full"])
        // Another origin still has its share.
        let theirs = machine.handle(
            .received(.batches([try batch(other, 1, kib: 300, aheadMillis: 60_000)]), from: peer), now: now)
        #expect(rejections(theirs).isEmpty)
        #expect(machine.heldForClockSkew == 3)
        // Released in time, the hold's bytes are free again.
        let later = machine.handle(.timerFired, now: now + 60_000)
        #expect(later.filter { if case .apply = $0 { true } else { false } }.count == 3)
        #expect(machine.heldForClockSkew == 0)
    }
}
