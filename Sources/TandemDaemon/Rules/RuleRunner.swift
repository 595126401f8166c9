public import Logging
import ServiceLifecycle
import Synchronization
import TandemCore
public import TandemNode
public import TandemRules
import TandemStore

/// Runs the node's cross-record rules (`[[rule]]`) on its local commits.
///
/// The node reports every local commit (its own writes, its adapters'
/// captures) to `receive(_:)` on its event loop, which only queues it;
/// `run(node:)` evaluates the queue in commit order with the pure
/// `RuleEngine` and makes each write through `SyncNode.write(…firedBy:audit:)`:
/// signed by this node, committed with a `rule-fired` audit event naming the
/// rule, the source record and the triggering change, and replicated like
/// any change. Peers' batches are never evaluated: the node that committed
/// a change is the one that fires its rules (docs/semantics.md, "Cross-record
/// rules").
public final class RuleRunner: Sendable {
    public let engine: RuleEngine
    private let stream: AsyncStream<LocalCommit>
    private let continuation: AsyncStream<LocalCommit>.Continuation
    private let counts = Mutex(Counts())

    /// What the rules have done since start.
    public struct Counts: Sendable, Equatable {
        public var fired = 0
        public var writes = 0
        public var problems = 0
        public var failures = 0
    }

    public init(engine: RuleEngine) {
        self.engine = engine
        (stream, continuation) = AsyncStream.makeStream(of: LocalCommit.self)
    }

    /// Queues a local commit (the node's `localCommits` hook; never blocks).
    public func receive(_ commit: LocalCommit) {
        guard engine.rules.contains(where: { $0.collection == commit.collection }) else { return }
        continuation.yield(commit)
    }

    /// The counts so far.
    public var current: Counts { counts.withLock { $0 } }

    /// The changes of `commit` as the engine sees them.
    public static func changes(of commit: LocalCommit) -> [RuleChange] {
        let change = "\(commit.batch.origin.hex.prefix(16)):\(commit.batch.sequence)"
        return commit.changes.map { record in
            RuleChange(
                collection: commit.collection, record: record.id, before: record.before?.fields,
                after: record.after?.fields, change: change, firedBy: commit.firedBy)
        }
    }

    /// Evaluates queued commits and makes their writes until `stop()`.
    public func run(node: SyncNode, clock: @escaping @Sendable () -> UInt64, logger: Logger) async {
        for await commit in stream {
            for change in Self.changes(of: commit) {
                let evaluation = engine.evaluate(change)
                for problem in evaluation.problems {
                    counts.withLock { $0.problems += 1 }
                    logger.warning("rule could not write", metadata: ["rule": "\(problem.rule)", "detail": "\(problem)"])
                    try? await node.appendAudit([AuditEvent(
                        at: clock(), kind: .ruleFired, collection: change.collection, record: change.record,
                        node: node.node, detail: problem.description)])
                }
                if !evaluation.writes.isEmpty { counts.withLock { $0.fired += Set(evaluation.writes.map(\.rule)).count } }
                for write in evaluation.writes {
                    await make(write, node: node, clock: clock, logger: logger)
                }
            }
        }
    }

    /// Makes `write`, retrying a failed commit (a busy or full disk) up to
    /// `attempts` times, 200 ms doubling apart; a node that stopped is not retried.
    private func make(_ write: RuleWrite, node: SyncNode, clock: @Sendable () -> UInt64, logger: Logger) async {
        let event = AuditEvent(
            at: clock(), kind: .ruleFired, collection: write.collection, record: write.record, node: node.node,
            detail: write.auditDetail)
        var delay = Duration.milliseconds(200)
        for attempt in 1...Self.attempts {
            do {
                try await node.write(
                    collection: write.collection, records: [write.record: write.fields], firedBy: write.firedBy, audit: [event])
                counts.withLock { $0.writes += 1 }
                logger.info(
                    "rule fired",
                    metadata: ["rule": "\(write.rule)", "effect": "\(write.effect.rawValue)", "source": "\(write.source)",
                               "change": "\(write.change)", "record": "\(write.collection)/\(write.record)"])
                return
            } catch {
                let stopped = (error as? NodeError) == .notRunning
                guard !stopped, attempt < Self.attempts else {
                    counts.withLock { $0.failures += 1 }
                    logger.error(
                        "rule write failed",
                        metadata: ["rule": "\(write.rule)", "record": "\(write.collection)/\(write.record)",
                                   "change": "\(write.change)", "error": "\(error)"])
                    return
                }
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
    }

    /// How many times a rule's write is tried.
    static let attempts = 5

    /// Ends `run(node:clock:logger:)` once the commits queued so far are done.
    public func stop() { continuation.finish() }
}

/// Runs a `RuleRunner` as one service of the daemon: started after the
/// node, stopped before it (the commits queued by then are finished).
struct RuleService: Service, CustomStringConvertible {
    let runner: RuleRunner
    let node: SyncNode
    let clock: @Sendable () -> UInt64
    let logger: Logger

    var description: String { "rules" }

    func run() async throws {
        let runner = self.runner
        async let work: Void = runner.run(node: node, clock: clock, logger: logger)
        try? await gracefulShutdown()
        runner.stop()
        await work
    }
}
