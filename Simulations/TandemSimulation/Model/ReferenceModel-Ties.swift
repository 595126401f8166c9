import TandemCore

extension ReferenceModel {
    /// How many field writes the acknowledged writes made, and how many of
    /// them share their field and timestamp with another node's write: the
    /// ties only the writers' keys decide. A field write a later operation
    /// of its own group overwrote is not counted.
    func timestampTies() -> (fieldWrites: Int, tied: Int) {
        struct Slot: Hashable {
            var collection: String
            var record: String
            var field: String
            var timestamp: UInt64
        }
        var writers: [Slot: Set<NodeID>] = [:]
        var counts: [Slot: Int] = [:]
        var total = 0
        for write in writes {
            for (index, effect) in write.effects.enumerated() where !write.overwritesWithin(index) {
                guard case .field(let record, let name, _) = effect else { continue }
                let slot = Slot(collection: write.collection, record: record, field: name, timestamp: write.timestamp)
                writers[slot, default: []].insert(write.writer)
                counts[slot, default: 0] += 1
                total += 1
            }
        }
        let tied = counts.reduce(0) { sum, entry in sum + ((writers[entry.key]?.count ?? 0) > 1 ? entry.value : 0) }
        return (total, tied)
    }
}
