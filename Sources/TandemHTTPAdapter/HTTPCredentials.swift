import Foundation

/// Reads a connector's secrets from where the connector file points
/// (an environment variable or a file), never from the file itself.
enum HTTPCredentials {
    /// The secret's value; throws naming the variable or file when it is
    /// unset, unreadable or empty.
    static func value(_ secret: HTTPConnector.Secret) throws(HTTPAdapterError) -> String {
        switch secret {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw .credentials("environment variable \(name) is not set")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .credentials("cannot read \(path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw .credentials("\(path) is empty") }
            return value
        }
    }

    /// The `Authorization` header for `auth`, or nil.
    static func authorization(_ auth: HTTPConnector.Auth) throws(HTTPAdapterError) -> String? {
        switch auth {
        case .none:
            return nil
        case .bearer(let token):
            return "Bearer " + (try value(token))
        case .basic(let username, let password):
            return "Basic " + Data((username + ":" + (try value(password))).utf8).base64EncodedString()
        }
    }
}
