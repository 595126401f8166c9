/// Why the daemon or one of the commands around it could not do its work.
///
/// Guarantees: ``description`` is one line that names what failed (the
/// file, the address, the directory) and why, fit to print as the only line
/// on standard error before a non-zero exit.
public enum DaemonError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The configuration file is unusable.
    case configuration(ConfigurationError)
    /// The key file could not be read or is not a key file.
    case keyFile(detail: String)
    /// The configuration lists this node's own key as a peer.
    case selfAsPeer(peer: String)
    /// The store in the data directory could not be opened.
    case store(directory: String, detail: String)
    /// The peer protocol listener could not bind.
    case listenFailed(address: String, detail: String)
    /// The admin endpoint could not bind.
    case adminListenFailed(address: String, detail: String)
    /// The admin endpoint of a running node did not answer.
    case adminUnreachable(address: String, detail: String)
    /// The admin endpoint answered with an error or with something else than expected.
    case adminAnswer(address: String, detail: String)
    /// The configuration has adapters but this build has no adapter support for them.
    case adapterUnavailable(adapter: String, detail: String)
    /// An adapter failed to start.
    case adapterFailed(adapter: String, detail: String)
    /// The node failed while running.
    case node(detail: String)

    public var description: String {
        let text = switch self {
        case .configuration(let error): error.description
        case .keyFile(let detail): detail
        case .selfAsPeer(let peer): "[[peer]] \"\(peer)\" has this node's own public key"
        case .store(let directory, let detail): "cannot open the node's store in \(directory): \(detail)"
        case .listenFailed(let address, let detail):
            "cannot listen for peers on \(address) (node.listen): \(Self.bindReason(detail))"
        case .adminListenFailed(let address, let detail):
            "cannot listen for admin requests on \(address) (node.admin): \(Self.bindReason(detail))"
        case .adminUnreachable(let address, let detail):
            "no running node answers at \(address) (node.admin): \(detail)"
        case .adminAnswer(let address, let detail): "the node at \(address) answered: \(detail)"
        case .adapterUnavailable(let adapter, let detail): "adapter \(adapter): \(detail)"
        case .adapterFailed(let adapter, let detail): "adapter \(adapter) failed: \(detail)"
        case .node(let detail): detail
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// "address already in use" and its kin instead of the socket call's text.
    private static func bindReason(_ detail: String) -> String {
        for known in ["Address already in use", "Cannot assign requested address", "Permission denied"]
        where detail.contains(known) {
            return known.lowercased()
        }
        return detail
    }
}
