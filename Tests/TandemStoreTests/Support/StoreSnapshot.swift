import TandemCore
import TandemStore

/// Everything a caller can read from a store about the given collections,
/// peers and adapters: two snapshots are equal when no read can tell the
/// stores apart.
struct StoreSnapshot: Equatable {
    var summary: StoreSummary
    var collections: [String]
    var records: [String: [String: RecordStore]]
    var contexts: [String: CausalContext]
    var log: [DeltaBatch]
    var audit: [AuditRecord]
    var acknowledged: [NodeID: BatchVector]
    var cursors: [String: [UInt8]]
    var keys: [String: String]

    init(
        _ store: any ReplicaStore, collections names: [String] = ["people"], peers: [NodeID] = [Nodes.p, Nodes.q],
        adapters: [String] = ["crm"], externalKeys: [(adapter: String, collection: String, key: String)] = []
    ) throws {
        summary = try store.summary()
        collections = try store.collections()
        records = [:]
        contexts = [:]
        for name in names {
            records[name] = try store.allRecords(name)
            contexts[name] = try store.context(name)
        }
        log = try store.log()
        audit = try store.allAudit()
        acknowledged = [:]
        for peer in peers { acknowledged[peer] = try store.acknowledged(by: peer) }
        cursors = [:]
        for adapter in adapters { cursors[adapter] = try store.adapterCursor(adapter) }
        keys = [:]
        for key in externalKeys {
            keys["\(key.adapter)/\(key.collection)/\(key.key)"] =
                try store.recordID(adapter: key.adapter, collection: key.collection, externalKey: key.key)
        }
    }
}
