import PropertyBased
import TandemCore

/// One step of a multi-replica script.
enum ScriptStep<Operation: Sendable>: Sendable, CustomStringConvertible {
    /// Replica `replica` performs `operation` after wall time advances by
    /// `advance` ms (0 often, so different nodes stamp equal timestamps).
    case mutate(replica: Int, Operation, advance: UInt64)
    /// One delta from the log of every delta made so far (index taken modulo
    /// its length) reaches `to`: in any order, duplicated, and many never
    /// (the convergence tests redeliver them all at the end).
    case deliver(delta: Int, to: Int)
    /// Anti-entropy: replica `to` joins replica `from`'s full state.
    case sync(from: Int, to: Int)

    var description: String {
        switch self {
        case .mutate(let replica, let operation, let advance): "\(replica):\(operation)+\(advance)ms"
        case .deliver(let delta, let to): "δ\(delta)→\(to)"
        case .sync(let from, let to): "\(from)⇒\(to)"
        }
    }
}

extension ScriptedCRDT {
    /// A generator of scripts for `replicas` replicas (one per fixture node).
    static func script(replicas: Int = 3, steps: ClosedRange<Int> = 1...30) -> Generator<[ScriptStep<Operation>], some SendableSequenceType> {
        let replica = Gen.int(in: 0...(replicas - 1))
        return Gen.frequency(
            (4, zip(replica, operation, Gen.uint64(in: 0...1)).map { ScriptStep.mutate(replica: $0, $1, advance: $2) }),
            (3, zip(Gen.int(in: 0...10_000), replica).map { ScriptStep.deliver(delta: $0, to: $1) }),
            (1, zip(replica, replica).map { ScriptStep.sync(from: $0, to: $1) })
        ).array(of: steps)
    }

    /// A generator of replayed scripts.
    static func replays(replicas: Int = 3, steps: ClosedRange<Int> = 1...30) -> Generator<Replay<Self>, some SendableSequenceType> {
        script(replicas: replicas, steps: steps).map { Replay(replicas: replicas, script: $0) }
    }
}

/// The result of running a script: every replica's state, every delta made,
/// and every state change in order.
struct Replay<State: ScriptedCRDT>: CustomStringConvertible {
    /// One state change of one replica: `after == before ⊔ joined`.
    struct Event {
        var replica: Int
        var before: State
        /// A delta (for a mutation or delivery) or a peer's full state (sync).
        var joined: State
        var after: State
        var isMutation: Bool
    }

    let script: [ScriptStep<State.Operation>]
    private(set) var replicas: [State]
    private(set) var clocks: [HybridLogicalClock]
    /// Every delta made, in order.
    private(set) var deltas: [State] = []
    private(set) var events: [Event] = []
    private var now: UInt64 = 1_000

    init(replicas count: Int, script: [ScriptStep<State.Operation>]) {
        self.script = script
        replicas = Array(repeating: State(), count: count)
        // A generous drift bound: these scripts are about the CRDTs, not drift.
        clocks = Array(repeating: HybridLogicalClock(maxOffsetMillis: 1 << 30), count: count)
        for step in script { apply(step) }
    }

    /// Every state any replica held, starting with the bottom state.
    var snapshots: [State] { [State()] + events.map(\.after) }

    /// The join of every replica's current state.
    var joinOfStates: State { replicas.reduce(State()) { $0.joined($1) } }

    var description: String { "script \(script)" }

    private mutating func apply(_ step: ScriptStep<State.Operation>) {
        switch step {
        case .mutate(let replica, let operation, let advance):
            now += advance
            let timestamp = clocks[replica].tick(now: now)
            let before = replicas[replica]
            let delta = replicas[replica].perform(operation, by: Fixture.nodes[replica], at: timestamp)
            deltas.append(delta)
            events.append(Event(replica: replica, before: before, joined: delta, after: replicas[replica], isMutation: true))
        case .deliver(let index, let to):
            guard !deltas.isEmpty else { return }
            receive(deltas[index % deltas.count], at: to)
        case .sync(let from, let to):
            receive(replicas[from], at: to)
        }
    }

    /// Joins `incoming` into replica `to`, advancing its clock past it.
    mutating func receive(_ incoming: State, at to: Int) {
        if let newest = incoming.newestTimestamp { try? clocks[to].receive(newest, now: now) }
        let before = replicas[to]
        replicas[to].join(incoming)
        events.append(Event(replica: to, before: before, joined: incoming, after: replicas[to], isMutation: false))
    }
}
