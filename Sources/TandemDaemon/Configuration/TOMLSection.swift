import TOMLKit

/// Reads one TOML table of the configuration: typed lookups that turn a
/// wrong type into a ``ConfigurationError`` naming the key and its line, and
/// a record of the keys read so that ``finish()`` can refuse the rest as
/// unknown.
final class TOMLSection {
    let table: TOMLTable
    /// The key path shown in errors: `node`, `peer[2]`, `adapter[1].fields`.
    let path: String
    /// The dotted header in the file (`adapter.fields`) and the array entry
    /// (from 0), for finding lines.
    let header: String
    let entry: Int?
    let context: ParseContext
    private var read: Set<String> = []

    init(table: TOMLTable, path: String, header: String, entry: Int?, context: ParseContext) {
        self.table = table
        self.path = path
        self.header = header
        self.entry = entry
        self.context = context
    }

    /// An error about `key` of this section (or the section itself).
    func error(_ key: String?, _ message: String) -> ConfigurationError {
        let line = context.locator.line(section: header, index: entry, key: key)
        let keyPath = [path, key].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ".")
        return ConfigurationError(file: context.file, line: line, key: keyPath, message: message)
    }

    /// The raw value of `key`, marking it read.
    func value(_ key: String) -> (any TOMLValueConvertible)? {
        read.insert(key)
        return table[key]
    }

    /// Whether the section holds `key`.
    func contains(_ key: String) -> Bool { table.contains(key: key) }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.string else { throw error(key, "expected a string, got \(Self.describe(value))") }
        return text
    }

    func requiredString(_ key: String, _ what: String) throws(ConfigurationError) -> String {
        guard let text = try string(key) else { throw error(nil, "missing key `\(key)` (\(what))") }
        guard !text.isEmpty else { throw error(key, "must not be empty (\(what))") }
        return text
    }

    func int(_ key: String) throws(ConfigurationError) -> Int? {
        guard let value = value(key) else { return nil }
        guard value.type == .int, let number = value.int else {
            throw error(key, "expected an integer, got \(Self.describe(value))")
        }
        return number
    }

    /// A number; integers are accepted where a fraction is expected.
    func double(_ key: String) throws(ConfigurationError) -> Double? {
        guard let value = value(key) else { return nil }
        if value.type == .int, let number = value.int { return Double(number) }
        guard value.type == .double, let number = value.double else {
            throw error(key, "expected a number, got \(Self.describe(value))")
        }
        return number
    }

    func stringArray(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { throw error(key, "expected an array of strings, got \(Self.describe(value))") }
        var result: [String] = []
        for element in array {
            guard let text = element.string else {
                throw error(key, "expected an array of strings, found \(Self.describe(element))")
            }
            result.append(text)
        }
        return result
    }

    /// A sub-table (a `[section.key]` header, a dotted key or an inline table).
    func subsection(_ key: String) throws(ConfigurationError) -> TOMLSection? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else { throw error(key, "expected a table, got \(Self.describe(value))") }
        return TOMLSection(
            table: table, path: path.isEmpty ? key : path + "." + key,
            header: header.isEmpty ? key : header + "." + key, entry: entry, context: context)
    }

    /// A table whose every value is a string (`[adapter.fields]`, `owners`).
    func stringTable(_ key: String) throws(ConfigurationError) -> [String: String]? {
        guard let section = try subsection(key) else { return nil }
        var result: [String: String] = [:]
        for name in section.table.keys {
            guard let text = try section.string(name) else { continue }
            result[name] = text
        }
        return result
    }

    /// Refuses every key that was not read.
    func finish(expected: [String]) throws(ConfigurationError) {
        for key in table.keys where !read.contains(key) {
            throw error(key, "unknown key; expected one of: \(expected.joined(separator: ", "))")
        }
    }

    static func describe(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .table: "a table"
        case .array: "an array"
        case .date, .time, .dateTime: "a date or time"
        }
    }
}

/// What every section of one file shares: the file's name (for errors),
/// its directory (for relative paths) and the source lines.
struct ParseContext {
    let file: String
    let directory: String
    let locator: SourceLocator

    /// `path` made absolute against the configuration file's directory.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        return base + path
    }
}
