extension RecordStore {
    /// This store with its field and set names spelled in Unicode normal
    /// form C (see `Identifier`), after checking it against the rules of a
    /// `RecordCollection` under `context`: every dot is in `context`, every
    /// name is a valid identifier and every value (and set element) is valid
    /// under `limits`. The store itself when every name is already in NFC.
    ///
    /// - Throws: `CoreError.dotOutsideContext` (naming record `id` and the
    ///   first such dot), `CoreError.invalidIdentifier` or a value's error.
    func checked(in id: String, context: CausalContext, limits: Limits) throws(CoreError) -> RecordStore {
        var outside: Dot?
        forEachDot { dot in
            if outside == nil && !context.contains(dot) { outside = dot }
        }
        if let outside { throw CoreError.dotOutsideContext(outside, record: id) }

        var respelled = false
        var checkedFields: [FieldMap.Field] = []
        checkedFields.reserveCapacity(fields.count)
        for field in fields.fields {
            let name = Identifier.normalized(field.name)
            try RecordCollection.validateIdentifier(name, what: "field name", limits)
            for entry in field.register.entries { try entry.value.validate(limits) }
            if !name.utf8.elementsEqual(field.name.utf8) { respelled = true }
            checkedFields.append(FieldMap.Field(name: name, register: field.register))
        }
        var checkedSets: [String: DotMap<Value, DotSet>] = [:]
        checkedSets.reserveCapacity(sets.entries.count)
        for (key, set) in sets.entries {
            let name = Identifier.normalized(key)
            try RecordCollection.validateIdentifier(name, what: "field name", limits)
            for element in set.entries.keys { try element.validate(limits) }
            if !name.utf8.elementsEqual(key.utf8) { respelled = true }
            checkedSets[name] = set
        }
        guard respelled else { return self }
        // Respelling keeps `String` equality and order (both are by
        // canonical equivalence), so the fields stay sorted and unique.
        var store = self
        store.fields = FieldMap(sortedUnique: checkedFields)
        store.sets.entries = checkedSets
        return store
    }
}
