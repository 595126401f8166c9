import Logging
import TandemCore
import TandemNet
import TandemStore
import TandemSync

/// Turns what a node reports (sync events, transport refusals, sessions
/// opening and closing) into log lines, one per event, naming peers by
/// their configured names.
///
/// Levels: sessions and authentication `info`; refusals, clock-skew holds
/// and cut-offs `warning`; store failures, equivocation and divergence
/// `error`; batches applied or committed, duplicates and deferrals `debug`.
/// Guarantees: never blocks beyond the log handler's write; safe from any
/// thread.
struct NodeEventLog: Sendable {
    let logger: Logger
    let names: [NodeID: String]
    let reconciling = SharedReconcileProgress()
    let catchUps = CatchUpLog()

    init(logger: Logger, peers: [PeerSettings]) {
        self.logger = logger
        var names: [NodeID: String] = [:]
        for peer in peers { names[peer.publicKey] = peer.name }
        self.names = names
    }

    func name(_ node: NodeID?) -> String {
        guard let node else { return "unknown" }
        return names[node] ?? node.description
    }

    func peerConnected(_ peer: NodeID) {
        logger.info("peer connected", metadata: ["peer": "\(name(peer))", "node": "\(peer.hex)"])
    }

    func peerDisconnected(_ peer: NodeID) {
        logger.info("peer disconnected", metadata: ["peer": "\(name(peer))", "node": "\(peer.hex)"])
    }

    func authenticated(_ event: PeerAuthenticated) {
        logger.debug("peer authenticated", metadata: ["peer": "\(name(event.node))"])
    }

    func transportRefused(_ error: TransportError) {
        logger.warning(
            "connection refused: \(error)",
            metadata: ["peer": "\(name(error.peer.node))", "reason": "\(error.reason.rawValue)"])
    }

    func event(_ event: SyncEvent) {
        switch event {
        case .rejected(let rejection, let peer):
            logger.warning("refused input: \(rejection)", metadata: ["peer": "\(name(peer))", "reason": "\(rejection.reason)"])
        case .duplicate(let batch, let peer):
            logger.debug("duplicate batch \(batch)", metadata: ["peer": "\(name(peer))"])
        case .heldForClockSkew(let batch, let drift):
            logger.warning("batch \(batch) held: \(drift)", metadata: ["origin": "\(name(batch.node))"])
        case .deferred(let batch, let violation, let peer):
            logger.debug("batch \(batch) deferred: \(violation)", metadata: ["peer": "\(name(peer))"])
        case .recordsDeferredForClockSkew(let collection, let drift):
            logger.warning("records deferred: \(drift)", metadata: ["collection": "\(collection)"])
        case .applied(let batch, _):
            logger.debug("applied batch \(batch.id)", metadata: ["origin": "\(name(batch.origin))"])
        case .committedLocally(let batch):
            logger.debug("committed batch \(batch.id)")
        case .reconciled(let collection, let report):
            let records = report.changedRecords.count + report.removedRecords.count
            if let line = reconciling.note(collection: collection, records: records) {
                logger.info("\(line)", metadata: ["collection": "\(collection)"])
            }
        case .catchingUp(let progress):
            if catchUps.due(progress) {
                logger.info(
                    "\(progress.finished ? "caught up" : "catching up") from \(name(progress.peer)): \(progress.line)",
                    metadata: ["peer": "\(name(progress.peer))"])
            }
        case .storeFailed(let error):
            logger.error("store failure: \(error)")
        case .equivocation(let origin, let sequence, let peer):
            logger.error(
                "origin signed two different batches as sequence \(sequence); investigate it and revoke its key",
                metadata: ["origin": "\(name(origin))", "peer": "\(name(peer))"])
        case .divergence(let peer, let collections):
            logger.error(
                "peer holds the same batches but different records",
                metadata: ["peer": "\(name(peer))", "collections": "\(collections.joined(separator: ","))"])
        case .replyCutShort(let peer, let collection, let bytes):
            logger.debug("reconciliation reply cut short after \(bytes) bytes", metadata: ["peer": "\(name(peer))", "collection": "\(collection)"])
        case .refusalLimitReached(let peer, let limit, let interval):
            logger.warning(
                "peer cut off: more than \(limit) refusals within \(interval) ms", metadata: ["peer": "\(name(peer))"])
        case .peerParityChecked(let report):
            let metadata: Logger.Metadata = [
                "peer": "\(name(report.peer))", "outcome": "\(report.outcome.label)",
                "repaired": "\(report.recordsRepaired)", "bytes": "\(report.bytesExchanged)"]
            if report.outcome == .inSync {
                logger.info("peer parity: in sync", metadata: metadata)
            } else {
                logger.warning("peer parity: \(report.outcome)", metadata: metadata)
            }
        }
    }
}
