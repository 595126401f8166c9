import TandemCore
import TandemTestSupport
import Testing

/// The sync machine's per-origin reorder window (`SyncConfiguration.reorderWindow`):
/// a peer that sends an origin's batches with gaps (every other one, or far
/// ahead) cannot make the held vector, and with it every summary and every
/// stored vector update, grow without bound. Honest, nearly ordered
/// traffic is never refused.
@Suite(.ownThread) struct SyncMachineReorderWindowTests {
    let me = Fixture.a
    let peer = Fixture.b
    let origin = Fixture.c
    let other = NodeID(words: 0xD0D0_D0D0_D0D0_D0D0, 0, 0, 0)
    let now: UInt64 = 1_700_000_000_000

    func machine(_ window: ReorderWindow = ReorderWindow()) -> SyncMachine {
        var configuration = SyncConfiguration(trustedOrigins: [me, peer, origin])
        configuration.reorderWindow = window
        var machine = SyncMachine(
            node: me, configuration: configuration, held: BatchVector(), compacted: BatchVector(),
            clock: HybridLogicalClock(), verify: { _ in true })
        _ = machine.handle(.peerConnected(peer), now: now)
        return machine
    }

    /// Batch `sequence` of `origin`: one field write, dated now.
    func batch(_ sequence: UInt64) throws -> DeltaBatch {
        var state = RecordCollection()
        let delta = try state.set(
            "n", to: .int(Int64(sequence)), in: "r\(sequence)", by: origin, at: HLCTimestamp(physical: now, logical: 0))
        return DeltaBatch(origin: origin, sequence: sequence, collection: "c", payload: delta.encoded())
    }

    /// What became of some batches sent by `peer`.
    struct Outcome {
        var applied: [UInt64] = []
        var refused: [String: Int] = [:]
        var excesses: [ReorderWindowExcess] = []
    }

    /// Receives `sequences` from the peer in messages of `perMessage`
    /// batches; with `commit`, each batch the machine applies is reported
    /// committed right after its message (as the driver does), else left pending.
    func receive(
        _ sequences: [UInt64], into machine: inout SyncMachine, perMessage: Int = 64, commit: Bool = true
    ) throws -> Outcome {
        var outcome = Outcome()
        var start = 0
        while start < sequences.count {
            let group = try sequences[start..<min(start + perMessage, sequences.count)].map(batch)
            start += perMessage
            for action in machine.handle(.received(.batches(group), from: peer), now: now) {
                switch action {
                case .apply(let applied, _, let source):
                    outcome.applied.append(applied.sequence)
                    if commit { _ = machine.handle(.batchCommitted(applied, from: source, applied: true), now: now) }
                case .reject(let rejection, _):
                    outcome.refused[rejection.reason, default: 0] += 1
                    if case .beyondReorderWindow(_, let excess) = rejection { outcome.excesses.append(excess) }
                default:
                    break
                }
            }
        }
        return outcome
    }

    /// The bytes of the summary this node sends a newly connected peer.
    func summaryBytes(_ machine: inout SyncMachine) -> Int? {
        for case .send(let message, _) in machine.handle(.peerConnected(other), now: now) {
            if case .summaryDelta = message { return message.encoded().count }
        }
        return nil
    }

    @Test func eightThousandOddSequencesAreRefusedBeyondTheWindowAndTheSummaryStaysSmall() throws {
        var machine = machine()
        let odd = Array(stride(from: UInt64(1), through: 15_999, by: 2))
        #expect(odd.count == 8_000)
        let outcome = try receive(odd, into: &machine)

        // 1 becomes the prefix; 3, 5, …, 513 are the 256 runs the window
        // allows; each of the rest would add a run.
        #expect(outcome.applied == Array(stride(from: UInt64(1), through: 513, by: 2)))
        #expect(outcome.refused == ["beyond_reorder_window": 7_743])
        #expect(outcome.excesses.allSatisfy { $0 == .tooManyRanges(ranges: 257, limit: 256) })
        #expect(machine.counters.rejected == ["beyond_reorder_window": 7_743])
        #expect(machine.held.rangeCount == 257)
        // Unbounded, the summary would carry 8,000 ranges (about 16 KB).
        let bytes = try #require(summaryBytes(&machine))
        #expect(bytes < 1_024, "summary of \(bytes) bytes")
    }

    @Test func aBatchTooFarAboveThePrefixIsRefused() throws {
        var machine = machine()
        let far = try receive([1, 2, 2 + (1 << 20) + 1, 2 + (1 << 20)], into: &machine, perMessage: 1)
        #expect(far.applied == [1, 2, 2 + (1 << 20)])
        #expect(far.excesses == [.tooFarAhead(sequence: 2 + (1 << 20) + 1, prefix: 2, window: 1 << 20)])
    }

    @Test func refusedBatchesAreTakenOnceTheGapBelowThemCloses() throws {
        var machine = machine(ReorderWindow(maxSequencesAhead: 16, maxRanges: 2))
        let odd = Array(stride(from: UInt64(1), through: 99, by: 2))
        let first = try receive(odd, into: &machine)
        #expect(first.applied == [1, 3, 5])
        // The even ones arrive in order; each time anti-entropy offers the
        // missing odd ones again, more of them fit.
        let even = Array(stride(from: UInt64(2), through: 100, by: 2))
        _ = try receive(even, into: &machine)
        var missing = odd.filter { !machine.held.contains(origin: origin, sequence: $0) }
        var rounds = 0
        while !missing.isEmpty && rounds < 100 {
            _ = try receive(missing, into: &machine)
            _ = try receive(even, into: &machine)
            missing = odd.filter { !machine.held.contains(origin: origin, sequence: $0) }
            rounds += 1
        }
        #expect(missing.isEmpty)
        #expect(machine.held.held.nodes[origin] == CausalContext.NodeDots(prefix: 100))
    }

    @Test func batchesOfOneReadCountBeforeTheyAreCommitted() throws {
        var machine = machine(ReorderWindow(maxSequencesAhead: 1_000, maxRanges: 4))
        let outcome = try receive(Array(stride(from: UInt64(1), through: 41, by: 2)), into: &machine, commit: false)
        #expect(outcome.applied == [1, 3, 5, 7, 9])
        #expect(outcome.refused == ["beyond_reorder_window": 16])
    }

    @Test func orderedTrafficFarBeyondTheWindowIsNeverRefused() throws {
        var machine = machine(ReorderWindow(maxSequencesAhead: 64, maxRanges: 2))
        // One read of 5,000 batches, none committed yet, then a few lost
        // (gaps of one) and a reordered pair: all within the window.
        var sequences = Array(UInt64(1)...5_000)
        let outcome = try receive(sequences, into: &machine, commit: false)
        #expect(outcome.refused.isEmpty)
        sequences = [5_002, 5_001, 5_004, 5_006, 5_005, 5_003]
        let more = try receive(sequences, into: &machine, perMessage: 1, commit: false)
        #expect(more.refused.isEmpty)
        #expect(more.applied == sequences)
    }

    @Test func aBatchThatLeftWithoutBeingHeldNoLongerCounts() throws {
        var machine = machine(ReorderWindow(maxSequencesAhead: 1_000, maxRanges: 1))
        let two = try receive([1, 3], into: &machine, commit: false)
        #expect(two.applied == [1, 3])
        // Batch 1's commit fails: 3 is now the only run, and 5 would be a second.
        _ = machine.handle(.batchCommitFailed(try batch(1), from: peer), now: now)
        #expect(try receive([5], into: &machine).refused == ["beyond_reorder_window": 1])
        #expect(try receive([1, 2, 5], into: &machine).applied == [1, 2, 5])
    }
}
