import PropertyBased
import TandemCore
import Testing

/// A CRDT the generic property tests can drive with generated operations:
/// each operation is a delta mutator run by one node at one timestamp.
protocol ScriptedCRDT: Lattice {
    associatedtype Operation: Sendable
    /// A generator of single operations over the fixture pools.
    static var operation: Generator<Operation, AnySequence<Any>> { get }
    /// Performs `operation` as `node` at `timestamp` and returns its delta.
    mutating func perform(_ operation: Operation, by node: NodeID, at timestamp: HLCTimestamp) -> Self
    /// The newest write timestamp held, which a receiver's clock must pass.
    var newestTimestamp: HLCTimestamp? { get }
}

enum RegisterOperation: Sendable, CustomStringConvertible {
    case write(Value)

    var description: String {
        switch self {
        case .write(let value): "write(\(value))"
        }
    }
}

extension LWWRegister: ScriptedCRDT {
    static var operation: Generator<RegisterOperation, AnySequence<Any>> {
        pick(Fixture.values).map { RegisterOperation.write($0) }.eraseToAny()
    }

    mutating func perform(_ operation: RegisterOperation, by node: NodeID, at timestamp: HLCTimestamp) -> LWWRegister {
        switch operation {
        case .write(let value): write(value, dot: state.context.nextDot(for: node), timestamp: timestamp)
        }
    }

    var newestTimestamp: HLCTimestamp? { state.store.entries.map(\.timestamp).max() }
}

enum SetOperation: Sendable, CustomStringConvertible {
    case add(Value)
    case remove(Value)

    var description: String {
        switch self {
        case .add(let value): "add(\(value))"
        case .remove(let value): "remove(\(value))"
        }
    }
}

extension AWORSet: ScriptedCRDT {
    static var operation: Generator<SetOperation, AnySequence<Any>> {
        Gen.oneOf(
            pick(Fixture.elements).map { SetOperation.add($0) },
            pick(Fixture.elements).map { SetOperation.remove($0) }
        ).eraseToAny()
    }

    mutating func perform(_ operation: SetOperation, by node: NodeID, at timestamp: HLCTimestamp) -> AWORSet {
        switch operation {
        case .add(let element): add(element, dot: state.context.nextDot(for: node))
        case .remove(let element): remove(element)
        }
    }

    var newestTimestamp: HLCTimestamp? { nil }
}

enum RecordOperation: Sendable, CustomStringConvertible {
    case set(field: String, value: Value, record: String)
    case update(record: String, fields: [(String, Value)])
    case insert(record: String)
    case delete(record: String)
    case add(element: Value, set: String, record: String)
    case remove(element: Value, set: String, record: String)

    var description: String {
        switch self {
        case .set(let field, let value, let record): "set(\(record).\(field)=\(value))"
        case .update(let record, let fields): "update(\(record): \(fields.map { "\($0.0)=\($0.1)" }.joined(separator: ",")))"
        case .insert(let record): "insert(\(record))"
        case .delete(let record): "delete(\(record))"
        case .add(let element, let set, let record): "add(\(record).\(set)+\(element))"
        case .remove(let element, let set, let record): "remove(\(record).\(set)-\(element))"
        }
    }
}

extension RecordCollection: ScriptedCRDT {
    static var operation: Generator<RecordOperation, AnySequence<Any>> {
        let record = pick(Fixture.recordIDs)
        let field = pick(Fixture.fieldNames)
        let set = pick(Fixture.setNames)
        let value = pick(Fixture.values)
        let element = pick(Fixture.elements)
        return Gen.frequency(
            (3, zip(field, value, record).map { RecordOperation.set(field: $0, value: $1, record: $2) }),
            (1, zip(record, zip(field, value).array(of: 1...3)).map { RecordOperation.update(record: $0, fields: $1) }),
            (1, record.map { RecordOperation.insert(record: $0) }),
            (1, record.map { RecordOperation.delete(record: $0) }),
            (2, zip(element, set, record).map { RecordOperation.add(element: $0, set: $1, record: $2) }),
            (1, zip(element, set, record).map { RecordOperation.remove(element: $0, set: $1, record: $2) })
        ).eraseToAny()
    }

    mutating func perform(_ operation: RecordOperation, by node: NodeID, at timestamp: HLCTimestamp) -> RecordCollection {
        do {
            switch operation {
            case .set(let field, let value, let record):
                return try set(field, to: value, in: record, by: node, at: timestamp)
            case .update(let record, let fields):
                return try update(record, fields: fields, by: node, at: timestamp)
            case .insert(let record):
                return try insert(record, by: node)
            case .delete(let record):
                return delete(record)
            case .add(let element, let set, let record):
                return try add(element, toSet: set, in: record, by: node)
            case .remove(let element, let set, let record):
                return remove(element, fromSet: set, in: record)
            }
        } catch {
            Issue.record("valid operation \(operation) refused: \(error)")
            return RecordCollection()
        }
    }

    var newestTimestamp: HLCTimestamp? { maxTimestamp }
}
