import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// On one replica, with no concurrency, a collection behaves like a plain
/// dictionary of records: the last write of a field wins, sets are sets, a
/// delete removes everything, and a record exists while it holds anything.
@Suite(.ownThread) struct SequentialModelTests {
    struct ModelRecord: Equatable {
        var present = false
        var fields: [String: Value] = [:]
        var sets: [String: Set<Value>] = [:]
        var isEmpty: Bool { !present && fields.isEmpty && sets.isEmpty }
    }

    static func apply(_ operation: RecordOperation, to model: inout [String: ModelRecord]) {
        switch operation {
        case .set(let field, let value, let record):
            model[record, default: ModelRecord()].fields[field] = value
        case .update(let record, let fields):
            for (field, value) in fields { model[record, default: ModelRecord()].fields[field] = value }
        case .insert(let record):
            model[record, default: ModelRecord()].present = true
        case .delete(let record):
            model[record] = nil
        case .add(let element, let set, let record):
            model[record, default: ModelRecord()].sets[set, default: []].insert(element)
        case .remove(let element, let set, let record):
            model[record]?.sets[set]?.remove(element)
            if model[record]?.sets[set]?.isEmpty == true { model[record]?.sets[set] = nil }
            if model[record]?.isEmpty == true { model[record] = nil }
        }
    }

    @Test func oneReplicaBehavesLikeADictionary() {
        forAll(RecordCollection.replays(replicas: 1, steps: 1...40), count: 200, seed: 81) { replay in
            var model: [String: ModelRecord] = [:]
            for step in replay.script {
                if case .mutate(_, let operation, _) = step { Self.apply(operation, to: &model) }
            }
            let collection = replay.replicas[0]
            try #require(collection.recordIDs == model.keys.sorted())
            for (id, expected) in model {
                let view = try #require(collection.record(id))
                try #require(view.fields == expected.fields)
                try #require(view.sets == expected.sets.mapValues { $0.sorted() })
                try #require(view.conflicts.isEmpty)
                try #require(collection.records[id]?.presence.isEmpty == !expected.present)
            }
        }
    }
}
