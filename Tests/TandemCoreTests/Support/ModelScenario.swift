import PropertyBased
import TandemCore

/// One step of a multi-replica scenario. Replica numbers are taken modulo
/// the scenario's replica count, delta numbers modulo the deltas made so far.
enum ModelStep: Sendable, CustomStringConvertible {
    /// Replica `replica` performs `operation` after time advances `advance` ms.
    case mutate(replica: Int, RecordOperation, advance: UInt64)
    /// The join of some deltas made so far (one or several, repeats allowed)
    /// reaches `to` as one delta.
    case deliver(deltas: [Int], to: Int)
    /// Replica `to` joins replica `from`'s full state.
    case sync(from: Int, to: Int)
    /// Replica `to` reconciles by digest with `from` over the leaves between
    /// two of `ModelScenario.leafBounds`, as one chunk or one per record.
    case reconcile(from: Int, to: Int, bounds: [Int], chunked: Bool)

    var description: String {
        switch self {
        case .mutate(let replica, let operation, let advance): "\(replica):\(operation)+\(advance)"
        case .deliver(let deltas, let to): "δ\(deltas)→\(to)"
        case .sync(let from, let to): "\(from)⇒\(to)"
        case .reconcile(let from, let to, let bounds, let chunked): "\(from)⇝\(to)\(bounds)\(chunked ? "/chunked" : "")"
        }
    }
}

/// A scenario: 2 to 4 replicas and the steps they take.
struct ModelScenario: Sendable, CustomStringConvertible {
    var replicas: Int
    var steps: [ModelStep]

    /// The writers: the three fixture nodes and a fourth that orders before
    /// them all (node order is not replica order).
    static let nodes = Fixture.nodes + [NodeID(words: 0x0101_0101_0101_0101, 0, 0, 0x90)]

    /// Leaf bounds for reconciled ranges: the ends of the leaf space and
    /// each fixture record's leaf and its neighbours, so ranges include or
    /// exclude each record, with bounds exactly on it.
    static let leafBounds: [UInt16] = {
        var bounds: Set<UInt16> = [0, .max]
        for id in Fixture.recordIDs {
            let leaf = DigestReconciliation.leaf(of: id)
            bounds.insert(leaf)
            if leaf > 0 { bounds.insert(leaf - 1) }
            if leaf < .max { bounds.insert(leaf + 1) }
        }
        return bounds.sorted()
    }()

    /// The leaf range two bound choices name.
    static func leaves(_ bounds: [Int]) -> ClosedRange<UInt16> {
        let picked = bounds.map { leafBounds[$0 % leafBounds.count] }
        let low = picked.min() ?? 0
        let high = picked.max() ?? .max
        return low...high
    }

    /// Scenarios of `steps` steps, about half of them operations; time
    /// mostly stands still, so different nodes often stamp equal timestamps.
    static func generator(steps: ClosedRange<Int>) -> Generator<ModelScenario, some SendableSequenceType> {
        let replica = Gen.int(in: 0...3)
        let advance = Gen.frequency((3, Gen.always(UInt64(0))), (1, Gen.always(UInt64(1))))
        let step = Gen.frequency(
            (5, zip(replica, RecordCollection.operation, advance).map { ModelStep.mutate(replica: $0, $1, advance: $2) }),
            (3, zip(Gen.int(in: 0...10_000).array(of: 1...3), replica).map { ModelStep.deliver(deltas: $0, to: $1) }),
            (1, zip(replica, replica).map { ModelStep.sync(from: $0, to: $1) }),
            (1, zip(replica, replica, Gen.int(in: 0...99).array(of: 2), Gen.bool()).map {
                ModelStep.reconcile(from: $0, to: $1, bounds: $2, chunked: $3)
            })
        )
        return zip(Gen.int(in: 2...4), step.array(of: steps)).map { ModelScenario(replicas: $0, steps: $1) }
    }

    var description: String { "\(replicas) replicas: \(steps)" }
}
