extension AdapterHub {
    /// The adapter named `name` (its stable name or its table), or every
    /// adapter when nil; a name matching none is a 404 naming the adapters
    /// there are.
    func selected(_ name: String?) throws(AdminRequestError) -> [Entry] {
        let found = select(name)
        if let name, found.isEmpty {
            let names = entries.map(\.name)
            throw AdminRequestError(
                status: 404,
                description: "no adapter \(name) on this node; expected one of: \(names.isEmpty ? "(none)" : names.joined(separator: ", "))")
        }
        return found
    }
}
