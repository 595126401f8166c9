/// What goes wrong between the HTTP driver and an API, with where: the
/// request and the status, the payload and the path.
public enum HTTPAdapterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An answer that is not JSON.
    case badJSON(source: String, reason: String)
    /// An answer without a value the connector says it has (an id, a
    /// modification time, a list).
    case missing(source: String, path: String)
    /// A value of the wrong kind at a path.
    case badValue(source: String, path: String, reason: String)
    /// The API answered with an error status after every retry.
    case status(request: String, code: Int, body: String)
    /// The request did not complete (no connection, a timeout) after every retry.
    case transport(request: String, reason: String)
    /// Credentials could not be read.
    case credentials(String)
    /// The webhook receiver could not start.
    case webhook(String)

    public var description: String {
        switch self {
        case .badJSON(let source, let reason): "\(source): not JSON: \(reason)"
        case .missing(let source, let path): "\(source): no value at \(path)"
        case .badValue(let source, let path, let reason): "\(source): \(path): \(reason)"
        case .status(let request, let code, let body): "\(request): HTTP \(code)\(body.isEmpty ? "" : ": " + body)"
        case .transport(let request, let reason): "\(request): \(reason)"
        case .credentials(let reason): "credentials: \(reason)"
        case .webhook(let reason): "webhook receiver: \(reason)"
        }
    }
}
