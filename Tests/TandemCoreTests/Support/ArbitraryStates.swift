import PropertyBased
import TandemCore

/// Generators of arbitrary well-formed states: every store dot in the
/// context, but otherwise unconstrained, as a decoder accepts them. Unlike
/// replayed scripts, states drawn independently may reuse one dot for
/// different writes (a faulty writer), and contexts have gaps and ranges.
enum Arbitrary {
    static var dot: Generator<Dot, some SendableSequenceType> {
        zip(Gen.int(in: 0...2), Gen.uint64(in: 1...10)).map { Dot(node: Fixture.nodes[$0], counter: $1) }
    }

    static var timestamp: Generator<HLCTimestamp, some SendableSequenceType> {
        zip(Gen.uint64(in: 1_000...1_002), Gen.uint64(in: 0...2)).map { Fixture.timestamp($0, $1) }
    }

    static var value: Generator<Value, some SendableSequenceType> {
        Gen.frequency(
            (3, pick(Fixture.values)),
            (1, Gen.int64().map { Value.int($0) }),
            (1, Gen.uint64().map { Double(bitPattern: $0) }.filter { !$0.isNaN }.map { Value.double($0) }),
            (1, Gen.letterOrNumber.string(of: 0...4).map { Value.string($0) }),
            (1, Gen.uint8().array(of: 0...4).map { Value.bytes($0) })
        )
    }

    static var register: Generator<RegisterStore, some SendableSequenceType> {
        zip(dot, timestamp, value).array(of: 1...3).map { entries in
            RegisterStore(trusted: entries.map { RegisterEntry(dot: $0, timestamp: $1, value: $2) })
        }
    }

    static var dotSet: Generator<DotSet, some SendableSequenceType> {
        dot.array(of: 1...3).map { DotSet($0) }
    }

    static var elements: Generator<DotMap<Value, DotSet>, some SendableSequenceType> {
        zip(pick(Fixture.elements + [.int(1), .string("b")]), dotSet).array(of: 0...3).map { pairs in
            DotMap(Dictionary(pairs, uniquingKeysWith: { first, _ in first }))
        }
    }

    static var recordStore: Generator<RecordStore, some SendableSequenceType> {
        zip(
            dot.array(of: 0...2),
            zip(pick(Fixture.fieldNames), register).array(of: 0...3),
            zip(pick(Fixture.setNames), elements).array(of: 0...2)
        ).map { presence, fields, sets in
            RecordStore(
                presence: DotSet(presence),
                fields: FieldMap(Dictionary(fields, uniquingKeysWith: { first, _ in first })),
                sets: DotMap(Dictionary(sets, uniquingKeysWith: { first, _ in first })))
        }
    }

    static var records: Generator<DotMap<String, RecordStore>, some SendableSequenceType> {
        zip(pick(Fixture.recordIDs), recordStore).array(of: 0...3).map { pairs in
            DotMap(Dictionary(pairs, uniquingKeysWith: { first, _ in first }))
        }
    }

    /// A context holding the store's dots and some more: single dots and
    /// ranges, contiguous or not.
    static func causal<Store: DotStore>(_ store: Generator<Store, some SendableSequenceType>) -> Generator<Causal<Store>, some SendableSequenceType> {
        let extra = zip(Gen.int(in: 0...2), Gen.uint64(in: 1...12), Gen.uint64(in: 0...3)).array(of: 0...4)
        return zip(store, extra).map { store, extra in
            var context = CausalContext(dots: store.dots)
            for (node, lower, length) in extra { context.insert(node: Fixture.nodes[node], lower...(lower + length)) }
            return Causal(store: store, context: context)
        }
    }

    static var recordCollection: Generator<RecordCollection, some SendableSequenceType> {
        causal(records).map { RecordCollection(trusted: $0.store.entries, context: $0.context) }
    }

    static var lwwRegister: Generator<LWWRegister, some SendableSequenceType> {
        causal(Gen.frequency((1, Gen.always(RegisterStore())), (4, register))).map { LWWRegister(state: $0) }
    }

    static var aworSet: Generator<AWORSet, some SendableSequenceType> {
        causal(elements).map { AWORSet(state: $0) }
    }

    static func triples<T: Sendable>(_ states: Generator<T, some SendableSequenceType>) -> Generator<(T, T, T), some SendableSequenceType> {
        zip(states, states, states)
    }
}

extension RecordCollection {
    static var arbitrary: Generator<RecordCollection, AnySequence<Any>> { Arbitrary.recordCollection.eraseToAny() }
}

extension LWWRegister {
    static var arbitrary: Generator<LWWRegister, AnySequence<Any>> { Arbitrary.lwwRegister.eraseToAny() }
}

extension AWORSet {
    static var arbitrary: Generator<AWORSet, AnySequence<Any>> { Arbitrary.aworSet.eraseToAny() }
}
