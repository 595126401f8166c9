import Foundation
import TOMLKit
public import TandemRules

/// A node's TOML configuration file (the schema in docs/configuration.md),
/// parsed and checked.
///
/// Guarantees: a value of this type comes only from a file that parsed,
/// holds no unknown key, and passed every check: types and ranges, unique
/// names, peer keys that are node ids, addresses of the form `host:port`,
/// adapters naming collections of the file, collection owners naming this
/// node or a peer, a key file that exists and is readable by its owner
/// only. Relative paths are resolved against the file's directory. Any
/// failure is a ``ConfigurationError`` naming the file, the line, the key
/// and what is expected.
public struct NodeConfigurationFile: Hashable, Sendable {
    /// The file read (absolute path).
    public var path: String
    public var node: NodeSettings
    public var peers: [PeerSettings]
    public var collections: [CollectionSettings]
    public var adapters: [AdapterSettings]
    /// `[alerts]` (the defaults when the file has none).
    public var alerts: AlertSettings
    /// `[[rule]]`: cross-record rules, checked (known collections, fields
    /// this node may write, no cycle; docs/configuration.md).
    public var rules: [Rule]

    public init(
        path: String, node: NodeSettings, peers: [PeerSettings] = [],
        collections: [CollectionSettings] = [], adapters: [AdapterSettings] = [], alerts: AlertSettings = AlertSettings(),
        rules: [Rule] = []
    ) {
        self.path = path
        self.node = node
        self.peers = peers
        self.collections = collections
        self.adapters = adapters
        self.alerts = alerts
        self.rules = rules
    }

    /// Reads and checks the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> NodeConfigurationFile {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: absolute))
        } catch {
            let reason = FileManager.default.fileExists(atPath: absolute) ? "cannot be read" : "does not exist"
            throw ConfigurationError(file: path, line: nil, key: "", message: "the configuration file \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, line: nil, key: "", message: "the configuration file is not UTF-8 text")
        }
        let directory = (absolute as NSString).deletingLastPathComponent
        return try parse(text, file: path, directory: directory, absolutePath: absolute)
    }

    /// Parses and checks configuration `text`; `file` names it in errors and
    /// relative paths are resolved against `directory`.
    public static func parse(
        _ text: String, file: String, directory: String, absolutePath: String? = nil
    ) throws(ConfigurationError) -> NodeConfigurationFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: file, line: error.source.begin.line, key: "",
                message: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigurationError(file: file, line: nil, key: "", message: "not valid TOML: \(error)")
        }
        let context = ParseContext(file: file, directory: directory, locator: SourceLocator(text: text))
        var parser = ConfigurationParser(context: context)
        let parsed = try parser.parse(table)
        return NodeConfigurationFile(
            path: absolutePath ?? context.resolve(file), node: parsed.node, peers: parsed.peers,
            collections: parsed.collections, adapters: parsed.adapters, alerts: parsed.alerts,
            rules: parsed.rules)
    }

    /// The collection named `name`.
    public func collection(named name: String) -> CollectionSettings? {
        collections.first { $0.name == name }
    }
}
