import TandemCore

extension WorkloadOp {
    /// What the operation does, in the reference model's terms.
    var effects: [ReferenceModel.Effect] {
        switch self {
        case .setFields(_, let record, let fields):
            fields.map { .field(record: record, name: $0.name, value: $0.value) }
        case .insert(_, let record):
            [.exists(record: record)]
        case .delete(_, let record):
            [.erase(record: record)]
        case .addElement(_, let record, let set, let element):
            [.add(record: record, set: set, element: element)]
        case .removeElement(_, let record, let set, let element):
            [.remove(record: record, set: set, element: element)]
        }
    }

    /// For each effect, the dot of the entry it created in `delta` (the
    /// operation's own delta), or nil for effects that create none.
    func createdDots(in delta: RecordCollection) -> [Dot?] {
        let store = delta.records[record]
        switch self {
        case .setFields(_, _, let fields):
            return fields.map { store?.fields[$0.name]?.entries.first?.dot }
        case .insert:
            return [store?.presence.elements.first]
        case .addElement(_, _, let set, let element):
            return [store?.sets.entries[set]?.entries[element]?.elements.first]
        case .delete, .removeElement:
            return [nil]
        }
    }
}
