/// Finds the line of a key in TOML source text, for errors that TOMLKit
/// does not place (it gives positions for syntax errors only).
///
/// It follows table headers (`[node]`, `[[peer]]`, `[adapter.fields]`),
/// counting the entries of arrays of tables, and matches `key = …` lines,
/// including dotted keys (`fields.email = …`) and inline tables
/// (`fields = { … }`, which answer for every key inside them). A key it
/// cannot find gives the line of its section's header, or nil.
struct SourceLocator: Sendable {
    private let lines: [Substring]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The line (from 1) of `key` in the section `section` (a dotted header
    /// such as `adapter.fields`, empty for the root), in entry `index` (from
    /// 0) of the array of tables the section's first part names.
    func line(section: String, index: Int?, key: String?) -> Int? {
        var entries: [String: Int] = [:]
        var header = ""
        var entry: Int?
        var headerLine: Int?
        var inlineCandidate: Int?
        for (number, raw) in lines.enumerated() {
            let text = raw.trimmingSpaces
            if text.hasPrefix("[[") {
                let name = Self.normalizedKey(text.dropFirst(2).prefix { $0 != "]" })
                entries[name, default: -1] += 1
                header = name
                entry = entries[name]
            } else if text.hasPrefix("[") {
                let name = Self.normalizedKey(text.dropFirst().prefix { $0 != "]" })
                header = name
                let first = String(name.split(separator: ".").first ?? "")
                entry = entries[first]
            } else if let found = Self.key(of: text), let key {
                guard index == nil || entry == index else { continue }
                if header == section && found == key { return number + 1 }
                let prefix = header.isEmpty ? "" : header + "."
                if section.hasPrefix(prefix) {
                    let rest = String(section.dropFirst(prefix.count))
                    if found == (rest.isEmpty ? key : rest + "." + key) { return number + 1 }
                    if !rest.isEmpty && found == rest { inlineCandidate = inlineCandidate ?? number + 1 }
                }
                continue
            } else {
                continue
            }
            if header == section && (index == nil || entry == index) && headerLine == nil {
                headerLine = number + 1
            }
        }
        return inlineCandidate ?? headerLine
    }

    /// The key of a `key = value` line, dotted parts joined without spaces
    /// and quotes removed; nil for other lines.
    private static func key(of text: Substring) -> String? {
        guard !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { return nil }
        return normalizedKey(text[..<equals])
    }

    private static func normalizedKey(_ text: Substring) -> String {
        text.split(separator: ".")
            .map { part in
                var part = part.trimmingSpaces
                if part.count >= 2, let first = part.first, first == "\"" || first == "'", part.last == first {
                    part = part.dropFirst().dropLast()
                }
                return String(part)
            }
            .joined(separator: ".")
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }
}
