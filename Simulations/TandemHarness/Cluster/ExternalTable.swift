import Foundation

/// A node's external table as the harness sees it from outside the node:
/// edited as another program would, read for the checks, and counting every
/// row write made to it (the harness's and the adapter's) with triggers the
/// harness installs, for the echo check.
public protocol ExternalTable: Sendable {
    /// The spelling of the table.
    var schema: NodeSchema { get }
    /// Where it lives, for reports.
    var location: String { get }
    /// Makes the edit in one transaction; nil when there was nothing to
    /// edit (no row with that key, a tag already there or absent).
    func apply(_ edit: ExternalEdit, node: Int, step: Int) async throws -> AppliedEdit?
    /// Every row, in canonical terms.
    func rows() async throws -> [TableRow]
    /// Row writes counted by the harness's triggers, by match key.
    func writeCounts() async throws -> [String: Int]
}

/// Unix milliseconds now.
func unixMillis() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}

extension ExternalEdit {
    /// The edit as the rows it writes, given the row's current values and
    /// tags (nil: no such row). `.skip` when it changes nothing.
    func plan(existing: TableRow?) -> EditPlan {
        switch self {
        case .insert(let email, let values, let tags):
            if let existing {
                return .update(values, tags: Array(Set(existing.tags).union(tags)).sorted())
            }
            var all = values
            all["email"] = email
            return .insert(all, tags: tags)
        case .update(_, let values):
            return existing == nil ? .skip : .update(values, tags: nil)
        case .delete:
            return existing == nil ? .skip : .delete
        case .addTag(_, let tag):
            guard let existing, !existing.tags.contains(tag) else { return .skip }
            return .update([:], tags: (existing.tags + [tag]).sorted())
        case .removeTag(_, let tag):
            guard let existing, existing.tags.contains(tag) else { return .skip }
            return .update([:], tags: existing.tags.filter { $0 != tag })
        }
    }
}

/// The statement an edit comes down to.
enum EditPlan {
    case insert([String: String], tags: [String])
    /// Fields to set, and the new set (nil: unchanged).
    case update([String: String], tags: [String]?)
    case delete
    case skip
}

extension AppliedEdit {
    /// The record of `plan` carried out on a row that held `existing`.
    init(_ plan: EditPlan, existing: TableRow?, node: Int, step: Int, key: String, rows: Int, start: Int64, end: Int64) {
        self.init(node: node, step: step, key: key)
        self.rows = rows
        startMillis = start
        endMillis = end
        switch plan {
        case .insert(let values, let tags):
            // A row inserted is an edit of every mapped column: those it
            // does not name are NULL, and NULL wins over older values.
            for field in NodeSchema.registerFields { written[field] = values[field] }
            tagsAdded = tags
        case .update(let values, let tags):
            written = values
            for field in values.keys { before[field] = .some(existing?.fields[field]) }
            if let tags {
                let before = Set(existing?.tags ?? [])
                tagsAdded = Array(Set(tags).subtracting(before)).sorted()
                tagsRemoved = Array(before.subtracting(tags)).sorted()
            }
        case .delete:
            deleted = true
        case .skip:
            break
        }
    }
}
