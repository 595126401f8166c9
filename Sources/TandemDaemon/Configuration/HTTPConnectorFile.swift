import Foundation
public import TandemHTTPAdapter
import TOMLKit

/// A connector file (`[[adapter]] kind = "http"`, `connector = "…"`),
/// read and checked into an `HTTPConnector` (docs/adapters.md, "Connector
/// files").
///
/// Guarantees: a connector comes only from a file that parsed, holds no
/// unknown key and passed every check (an http(s) base URL, requests of
/// the form `METHOD /path` with `{id}` where one object is meant, non-empty
/// JSON paths, known types and formats, intervals in range, secrets named
/// by an environment variable or a file and never written in the file).
/// Any failure is a ``ConfigurationError`` naming the connector file, the
/// line, the key and what is expected. Relative secret files are resolved
/// against the connector file's directory.
public enum HTTPConnectorFile {
    /// Reads and checks the connector file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> HTTPConnector {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            let reason = FileManager.default.fileExists(atPath: absolute) ? "cannot be read" : "does not exist"
            throw ConfigurationError(file: path, line: nil, key: "", message: "the connector file \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, line: nil, key: "", message: "the connector file is not UTF-8 text")
        }
        return try parse(text, file: path, directory: (absolute as NSString).deletingLastPathComponent)
    }

    /// Parses and checks connector `text`; `file` names it in errors.
    public static func parse(_ text: String, file: String, directory: String) throws(ConfigurationError) -> HTTPConnector {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(file: file, line: error.source.begin.line, key: "", message: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigurationError(file: file, line: nil, key: "", message: "not valid TOML: \(error)")
        }
        let context = ParseContext(file: file, directory: directory, locator: SourceLocator(text: text))
        return try ConnectorParser(context: context).parse(table)
    }
}
