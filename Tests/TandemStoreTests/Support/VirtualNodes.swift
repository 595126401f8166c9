import TandemCore
import tandem_crash_writer

/// One batch a virtual node made: what a peer would send the store.
struct PeerBatch {
    var origin: NodeID
    var sequence: UInt64
    var collection: String
    var delta: RecordCollection
    var clock: HLCTimestamp

    var batch: DeltaBatch {
        DeltaBatch(
            origin: origin, sequence: sequence, collection: collection, payload: delta.encoded(),
            signature: FakeSigner.sign([UInt8](origin.bytes) + [UInt8(truncatingIfNeeded: sequence)]))
    }
}

/// Replicas of several nodes, each changing its own copy of two collections
/// with random delta mutators and now and then receiving some of the
/// others' batches, in any order. Their batches are a history a store may
/// be handed in any order.
struct VirtualNodes {
    static let collections = ["people", "deals"]

    let nodes: [NodeID]
    private(set) var replicas: [[String: RecordCollection]]
    private(set) var clocks: [HybridLogicalClock]
    private(set) var batches: [PeerBatch] = []
    private var time: UInt64 = 1_000

    init(_ nodes: [NodeID]) {
        self.nodes = nodes
        replicas = Array(repeating: [:], count: nodes.count)
        clocks = Array(repeating: HybridLogicalClock(), count: nodes.count)
    }

    /// Node `index` makes one random change; returns its batch.
    @discardableResult
    mutating func change(_ index: Int, random: inout SeededRandom) throws -> PeerBatch {
        time += UInt64(random.below(3))
        let timestamp = clocks[index].tick(now: time)
        let collection = random.pick(Self.collections)
        var replica = replicas[index][collection] ?? RecordCollection()
        let delta = try RandomChanges.change(&replica, by: nodes[index], at: timestamp, random: &random)
        replicas[index][collection] = replica
        let sequence = UInt64(batches.filter { $0.origin == nodes[index] }.count + 1)
        let made = PeerBatch(origin: nodes[index], sequence: sequence, collection: collection, delta: delta, clock: timestamp)
        batches.append(made)
        return made
    }

    /// Node `index` receives one batch (of any node), as gossip would.
    mutating func receive(_ batch: PeerBatch, at index: Int) {
        replicas[index][batch.collection, default: RecordCollection()].join(batch.delta)
        try? clocks[index].receive(batch.clock, now: time)
    }

    /// A history: `count` changes by random nodes, each followed now and
    /// then by some node receiving a random earlier batch.
    mutating func run(changes count: Int, random: inout SeededRandom) throws {
        for _ in 0..<count {
            try change(random.below(nodes.count), random: &random)
            while random.oneIn(2) {
                receive(random.pick(batches), at: random.below(nodes.count))
            }
        }
    }

    /// The join of every batch made, per collection: the state every store
    /// holding all of them must have.
    var joined: [String: RecordCollection] {
        var result: [String: RecordCollection] = [:]
        for batch in batches { result[batch.collection, default: RecordCollection()].join(batch.delta) }
        return result
    }
}
