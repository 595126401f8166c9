import Foundation
public import TandemCore

extension AdapterReports {
    /// What `POST /parity` did: each adapter's table against the CRDT
    /// state, and the CRDT state against each peer's.
    public struct ParityRun: Codable, Hashable, Sendable {
        public var adapters: [Parity]
        /// Empty when an adapter was named.
        public var peers: [PeerParity]
    }

    /// One peer's parity check (``PeerParityReport``).
    public struct PeerParity: Codable, Hashable, Sendable {
        /// The peer's configured name (its node id when not configured).
        public var peer: String
        /// `in_sync`, `repaired`, `differences`, `unreachable` or `timed_out`.
        public var outcome: String
        /// Collections still differing (outcome `differences`).
        public var differing: [String]
        /// This node's records compared.
        public var recordsCompared: UInt64
        /// Records changed by the repair here and on the peer.
        public var repairedHere: UInt64
        public var repairedOnPeer: UInt64
        /// Bytes of the check's messages, both ways.
        public var bytesExchanged: Int
        public var durationMillis: UInt64

        public init(peer: String, _ report: PeerParityReport) {
            self.peer = peer
            outcome = report.outcome.label
            if case .differencesRemain(let collections, _) = report.outcome { differing = collections } else { differing = [] }
            recordsCompared = report.recordsCompared
            repairedHere = report.repairedHere
            repairedOnPeer = report.repairedOnPeer
            bytesExchanged = report.bytesExchanged
            durationMillis = report.durationMillis
        }

        /// One line for `tandem parity`.
        public var line: String {
            var text = "peer \(peer): \(outcome.replacingOccurrences(of: "_", with: " "))"
            switch outcome {
            case "repaired": text += " (\(repairedHere + repairedOnPeer) records: \(repairedHere) here, \(repairedOnPeer) on the peer)"
            case "differences": text += " in \(differing.joined(separator: ", ")), not repaired"
            default: break
            }
            return text + ", \(recordsCompared) records compared, \(bytesExchanged) bytes, \(durationMillis) ms"
        }
    }
}
