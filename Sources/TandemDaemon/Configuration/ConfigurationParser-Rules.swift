import TOMLKit
import TandemCore
import TandemRules

/// `[[rule]]`: cross-record rules (docs/configuration.md), parsed into the
/// pure engine's `Rule` and checked against the file's collections, owners
/// and each other (no cycle).
extension ConfigurationParser {
    static let ruleKeys = ["name", "collection", "when", "update", "create"]
    static let conditionKeys = ["field", "equals", "non_empty", "on_or_after", "before"]
    static let updateKeys = ["collection", "link", "set"]
    static let createKeys = ["collection", "copy", "set", "link_back"]

    /// One `[[rule]]`; links resolve through `collections`' match keys, and
    /// every field it writes must be one this node may write.
    func parseRule(
        _ section: TOMLSection, node: NodeSettings, collections: [CollectionSettings]
    ) throws(ConfigurationError) -> Rule {
        let name = try section.requiredString("name", "the rule's name, unique on this node")
        let collection = try section.requiredString("collection", "the collection whose changes the rule watches")
        try expectCollection(collection, collections, section, "collection")
        guard let when = try section.subsection("when") else {
            throw section.error(nil, "missing `when` (the trigger: field and one of \(Self.conditionKeys.dropFirst().joined(separator: ", ")))")
        }
        let field = try when.requiredString("field", "the field the condition tests")
        let condition = try parseCondition(when, rule: section)
        try when.finish(expected: Self.conditionKeys)
        let update = try section.subsection("update").map { update throws(ConfigurationError) in
            try parseUpdate(update, node: node, collections: collections)
        }
        let create = try section.subsection("create").map { create throws(ConfigurationError) in
            try parseCreate(create, node: node, collections: collections)
        }
        try section.finish(expected: Self.ruleKeys)
        if update == nil && create == nil {
            throw section.error(nil, "a rule needs an effect: [rule.update], [rule.create] or both")
        }
        return Rule(name: name, collection: collection, field: field, condition: condition, update: update, create: create)
    }

    private func parseCondition(_ when: TOMLSection, rule: TOMLSection) throws(ConfigurationError) -> RuleCondition {
        var found: [(String, RuleCondition)] = []
        if let value = when.value("equals") { found.append(("equals", .equals(try Self.value(value, "equals", in: when)))) }
        if let flag = try when.bool("non_empty") {
            guard flag else { throw when.error("non_empty", "only `non_empty = true` is a condition; leave the key out otherwise") }
            found.append(("non_empty", .nonEmpty))
        }
        for key in ["on_or_after", "before"] {
            guard let date = try when.string(key) else { continue }
            guard RuleCondition.isComparableDate(date) else {
                throw when.error(key, "expected an ISO 8601 date such as \"2027-01-01\", got \"\(date)\"")
            }
            found.append((key, key == "before" ? .before(date) : .onOrAfter(date)))
        }
        if found.isEmpty {
            throw rule.error("when", "missing the condition: one of equals, non_empty = true, on_or_after, before")
        }
        guard found.count == 1, let condition = found.first?.1 else {
            throw when.error(found[1].0, "one condition per rule; \(found.map(\.0).joined(separator: " and ")) are both set")
        }
        return condition
    }

    private func parseUpdate(
        _ section: TOMLSection, node: NodeSettings, collections: [CollectionSettings]
    ) throws(ConfigurationError) -> RelatedUpdate {
        let collection = try section.requiredString("collection", "the collection of the linked record")
        try expectCollection(collection, collections, section, "collection")
        let link = try section.requiredString("link", "the watched record's field holding the linked record's key")
        let set = try valueTable(section, "set", what: "field = value to write to the linked record")
        try section.finish(expected: Self.updateKeys)
        try expectWritable(set.keys.sorted(), of: collection, node: node, collections, section, "set")
        let target = collections.first { $0.name == collection }?.matchKey.map { RuleLink.matchKey(field: $0) } ?? .recordID
        return RelatedUpdate(collection: collection, link: link, target: target, set: set)
    }

    private func parseCreate(
        _ section: TOMLSection, node: NodeSettings, collections: [CollectionSettings]
    ) throws(ConfigurationError) -> CreatedRecord {
        let collection = try section.requiredString("collection", "the collection of the record to create")
        try expectCollection(collection, collections, section, "collection")
        let copy = try section.stringTable("copy") ?? [:]
        let set = section.contains("set") ? try valueTable(section, "set", what: "field = value") : [:]
        let linkBack = try section.string("link_back")
        try section.finish(expected: Self.createKeys)
        if linkBack?.isEmpty == true { throw section.error("link_back", "must not be empty (a field name)") }
        if copy.isEmpty && set.isEmpty && linkBack == nil {
            throw section.error(nil, "nothing to write: give copy, set or link_back")
        }
        for (target, source) in copy.sorted(by: { $0.key < $1.key }) where source.isEmpty || target.isEmpty {
            throw section.error("copy", "\"\(target)\" = \"\(source)\": both field names must be non-empty")
        }
        if let linkBack, copy[linkBack] != nil || set[linkBack] != nil {
            throw section.error("link_back", "\"\(linkBack)\" is also written by copy or set")
        }
        try expectWritable(copy.keys.sorted(), of: collection, node: node, collections, section, "copy")
        try expectWritable(set.keys.sorted(), of: collection, node: node, collections, section, "set")
        try expectWritable(linkBack.map { [$0] } ?? [], of: collection, node: node, collections, section, "link_back")
        return CreatedRecord(collection: collection, copy: copy, set: set, linkBack: linkBack)
    }

    /// A non-empty table of field = scalar value.
    private func valueTable(_ section: TOMLSection, _ key: String, what: String) throws(ConfigurationError) -> [String: Value] {
        guard let table = try section.subsection(key) else { throw section.error(nil, "missing `\(key)` (\(what))") }
        var result: [String: Value] = [:]
        for name in table.table.keys.sorted() {
            guard let value = table.value(name) else { continue }
            result[name] = try Self.value(value, name, in: table)
        }
        if result.isEmpty { throw section.error(key, "must not be empty (\(what))") }
        return result
    }

    /// A TOML scalar as a field value.
    private static func value(_ value: any TOMLValueConvertible, _ key: String, in section: TOMLSection) throws(ConfigurationError) -> Value {
        switch value.type {
        case .string: if let text = value.string { return .string(text) }
        case .int: if let number = value.int { return .int(Int64(number)) }
        case .double: if let number = value.double, !number.isNaN { return .double(number) }
        case .bool: if let flag = value.bool { return .bool(flag) }
        default: break
        }
        throw section.error(key, "expected a string, integer, number or boolean, got \(TOMLSection.describe(value))")
    }

    private func expectCollection(
        _ name: String, _ collections: [CollectionSettings], _ section: TOMLSection, _ key: String
    ) throws(ConfigurationError) {
        let known = collections.map(\.name)
        guard !known.contains(name) else { return }
        throw section.error(
            key,
            "no [[collection]] named \"\(name)\"; "
                + (known.isEmpty ? "the file defines none" : "expected one of: \(known.joined(separator: ", "))"))
    }

    /// Rules write last-writer-wins fields this node may write.
    private func expectWritable(
        _ fields: [String], of collection: String, node: NodeSettings, _ collections: [CollectionSettings],
        _ section: TOMLSection, _ key: String
    ) throws(ConfigurationError) {
        guard let settings = collections.first(where: { $0.name == collection }) else { return }
        for field in fields {
            if settings.sets.contains(field) {
                throw section.error(key, "\(collection).\(field) is a set field; rules write last-writer-wins fields only")
            }
            if let owner = settings.owners[field], owner != node.name {
                throw section.error(
                    key,
                    "\(collection).\(field) is owned by \"\(owner)\"; a rule's writes are made and signed by the node that "
                        + "committed the triggering change (this node, \"\(node.name)\"), so every node would refuse them")
            }
        }
    }

    /// What spans rules: unique names and no cycle.
    func checkRules(_ rules: [Rule], sections: [TOMLSection]) throws(ConfigurationError) {
        for (index, rule) in rules.enumerated() {
            if let first = rules[..<index].firstIndex(where: { $0.name == rule.name }) {
                throw sections[index].error("name", "rule[\(first + 1)] is already named \"\(rule.name)\"; names must be unique")
            }
        }
        do {
            _ = try RuleEngine(rules: rules)
        } catch {
            var first = 0
            if case .cycle(let names, _) = error { first = rules.firstIndex { $0.name == names[0] } ?? 0 }
            guard sections.indices.contains(first) else {
                throw ConfigurationError(file: context.file, line: nil, key: "rule", message: error.description)
            }
            throw sections[first].error("name", error.description)
        }
    }
}
