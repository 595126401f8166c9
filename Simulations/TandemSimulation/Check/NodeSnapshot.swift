import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

/// What one node durably holds at the end of a run, read through its
/// store's public API.
struct NodeSnapshot {
    var index: Int
    /// The batches its store holds.
    var held: BatchVector
    /// The batches compacted out of its log.
    var compacted: BatchVector
    /// Its delta log.
    var log: [Dot: DeltaBatch]
    /// Its full state, per collection.
    var collections: [String: RecordCollection]
    /// Batches waiting in its drift hold (nil if the node is down).
    var heldForClockSkew: Int?

    init(_ node: SimNode) throws(StoreError) {
        index = node.index
        let store = node.store
        let summary = try store.summary()
        held = summary.batches
        compacted = summary.compacted
        log = [:]
        for batch in try store.batches(missingFrom: BatchVector(), limit: Int.max) { log[batch.id] = batch }
        collections = [:]
        for collection in try store.collections() {
            let records = try store.records(collection, after: nil, limit: Int.max)
            let context = try store.workingSet(collection, records: []).context
            var byID: [String: RecordStore] = [:]
            for (id, record) in records { byID[id] = record }
            collections[collection] = RecordCollection(trusted: byID, context: context)
        }
        heldForClockSkew = node.driver?.machine.heldForClockSkew
    }

    /// The encoded size of its state.
    var stateBytes: Int { collections.values.reduce(0) { $0 + $1.encoded().count } }

    /// Its live records in the reference model's terms.
    var modelView: ReferenceModel.State {
        var state: ReferenceModel.State = [:]
        for (collection, records) in collections {
            for (id, store) in records.records {
                state[collection, default: [:]][id] = NodeSnapshot.modelRecord(store)
            }
        }
        return state
    }

    /// A record in the reference model's terms: each field's winning value
    /// (as the CRDT chose it) and all its kept writes, and each set field's
    /// elements.
    static func modelRecord(_ store: RecordStore) -> ReferenceModel.Record {
        var record = ReferenceModel.Record()
        for (name, register) in store.fields {
            let versions = register.entries.map {
                ReferenceModel.FieldVersion(timestamp: $0.timestamp.rawValue, writer: $0.dot.node, value: $0.value)
            }
            if var field = ReferenceModel.Field(versions: versions), let winner = register.value {
                field.value = winner
                record.fields[name] = field
            }
        }
        for (name, set) in store.sets.entries {
            record.sets[name] = Set(set.entries.keys)
        }
        return record
    }
}
