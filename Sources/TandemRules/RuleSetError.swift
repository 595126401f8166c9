/// Why a set of rules is refused before anything runs.
public enum RuleSetError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Two rules share a name.
    case duplicateName(String)
    /// The rules' writes can fire each other in a circle: each rule's
    /// effects write the collection the next one watches, the last back to
    /// the first. Such rules could fire one another forever.
    case cycle([String], collections: [String])

    public var description: String {
        switch self {
        case .duplicateName(let name):
            "rule \(name) is defined twice"
        case .cycle(let names, let collections):
            "rules form a cycle: "
                + names.indices.map { index in
                    "\(names[index]) writes \(collections[index]) (watched by \(names[(index + 1) % names.count]))"
                }.joined(separator: ", ")
                + "; they could fire one another forever"
        }
    }
}
