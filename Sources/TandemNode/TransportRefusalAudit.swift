import Synchronization
import TandemCore
import TandemStore
import TandemSync

/// Audits the transport's refusals (unknown keys, bad frames, failed
/// handshakes) through a `RefusalLedger`: the first of each (peer, reason)
/// per interval at once, the rest as one row per interval, written with the
/// next refusal after the interval or at shutdown. A flood of connections
/// sending garbage costs a handful of audit rows, not one transaction each.
/// Every refusal is still counted in `NodeMetrics.transportRejections`.
final class TransportRefusalAudit: Sendable {
    private let ledger: Mutex<RefusalLedger>
    private let store: any ReplicaStore
    private let clock: @Sendable () -> UInt64

    init(policy: RefusalLedger.Policy, store: any ReplicaStore, clock: @escaping @Sendable () -> UInt64) {
        ledger = Mutex(RefusalLedger(policy: policy))
        self.store = store
        self.clock = clock
    }

    /// Records one refusal, writing what is due: its own row if it is the
    /// first of its kind in the interval, and the rows of intervals over.
    func record(reason: String, detail: String, from peer: NodeID?) throws(StoreError) {
        let now = clock()
        let rows = ledger.withLock { ledger in
            var rows = ledger.flush(now: now)
            if let first = ledger.record(reason: reason, detail: detail, from: peer, now: now).audit { rows.append(first) }
            return rows
        }
        if !rows.isEmpty { try store.appendAudit(rows) }
    }

    /// Writes every refusal counted but not yet audited.
    func flush() throws(StoreError) {
        let now = clock()
        let rows = ledger.withLock { $0.flush(now: now, everything: true) }
        if !rows.isEmpty { try store.appendAudit(rows) }
    }
}
