import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

/// The malicious peer. It is an authenticated connection (so its bytes
/// reach the sync machine) whose key is not a trusted origin, and it has
/// stolen one trusted node's signing key. It connects to a target, sends
/// its messages, and leaves; every message must be refused or dropped,
/// and the target's state must be what it was (checker 4).
extension Simulation {
    func attack(_ target: Int, kinds: [AttackKind], item: Int) {
        guard nodes[target].isUp else {
            trace("attack #\(item) on n\(target) skipped: n\(target) is down")
            return
        }
        let attackerID = attacker.nodeID
        feed(.peerConnected(attackerID), to: target)
        let heldBefore = nodes[target].driver?.machine.held
        let holdBefore = nodes[target].driver?.machine.heldForClockSkew
        let storedBefore = try? nodes[target].store.summary().batches
        for kind in kinds {
            let bytes = forge(kind, target: target)
            let expected = expectedRefusals(bytes)
            let refusalsBefore = metrics.attackRefusals
            let storeFailuresBefore = metrics.storeFailures
            metrics.attackMessages += 1
            trace("attacker -> n\(target): \(kind) (\(bytes.count) bytes, #\(item))")
            deliver(bytes, from: attackerID, to: target)
            let refused = metrics.attackRefusals - refusalsBefore
            // A commit that failed (an aimed failure) applied nothing either:
            // the forged items were neither refused nor taken (a forged
            // context is refused inside the commit), and the check below
            // still requires that nothing changed.
            let commitFailed = metrics.storeFailures > storeFailuresBefore
            if refused < expected && !commitFailed {
                failures.append(CheckFailure(.forgedInput,
                    "attack #\(item) at \(now) ms: n\(target) refused \(refused) of \(expected) forged items of a \(kind) message"))
            }
        }
        let heldAfter = nodes[target].driver?.machine.held
        let storedAfter = try? nodes[target].store.summary().batches
        if heldAfter != heldBefore || storedAfter != storedBefore {
            failures.append(CheckFailure(.forgedInput,
                "attack #\(item) at \(now) ms changed what n\(target) holds: \(storedBefore.map { describe($0) } ?? "?") -> \(storedAfter.map { describe($0) } ?? "?")"))
        }
        if nodes[target].driver?.machine.heldForClockSkew != holdBefore {
            failures.append(CheckFailure(.forgedInput, "attack #\(item) at \(now) ms put a forged batch in n\(target)'s drift hold"))
        }
        feed(.peerDisconnected(attackerID), to: target)
    }

    /// How many refusals (or drops of copies) a message must cause: one for
    /// bytes that do not decode, one per batch, one for a state digest (the
    /// attacker is no node's state source), none for a summary.
    private func expectedRefusals(_ bytes: [UInt8]) -> Int {
        guard let message = try? SyncMessage(decoding: bytes, limits: syncConfiguration.limits) else { return 1 }
        switch message {
        case .batches(let batches): return batches.count
        case .stateDigest: return 1
        default: return 0
        }
    }

    private func forge(_ kind: AttackKind, target: Int) -> [UInt8] {
        let n = nodes.count
        let victim = attackRandom.below(n)
        let stolen = nodes[victim].keys
        let other = (victim + 1 + attackRandom.below(max(1, n - 1))) % n
        let timestamp = HLCTimestamp(rawValue: wall(target) << 16)
        switch kind {
        case .garbage:
            return attackRandom.bytes(attackRandom.int(in: 0...200))
        case .corrupted:
            return corrupted(target: target)
        case .badSignature:
            var batch = forgedBatch(origin: stolen.nodeID, writer: stolen.nodeID, timestamp: timestamp)
            batch.signature = attackRandom.chance(0.5)
                ? attacker.sign(batch.signingBytes) : attackRandom.bytes(SignatureVerifier.signatureByteCount)
            return SyncMessage.batches([batch]).encoded()
        case .untrustedOrigin:
            var batch = forgedBatch(origin: attacker.nodeID, writer: attacker.nodeID, timestamp: timestamp)
            batch.signature = attacker.sign(batch.signingBytes)
            return SyncMessage.batches([batch]).encoded()
        case .foreignDots:
            var batch = forgedBatch(origin: stolen.nodeID, writer: nodes[other].id, timestamp: timestamp)
            batch.signature = stolen.sign(batch.signingBytes)
            return SyncMessage.batches([batch]).encoded()
        case .tamperedReplay:
            guard let genuine = attackRandom.pick(acknowledged)?.batch else {
                return forge(.badSignature, target: target)
            }
            var batch = genuine
            let fake = forgedBatch(origin: genuine.origin, writer: genuine.origin, timestamp: timestamp)
            batch.payload = fake.payload
            return SyncMessage.batches([batch]).encoded()
        case .forgedSummary:
            var held = BatchVector()
            for node in nodes where attackRandom.chance(0.7) {
                for _ in 0..<attackRandom.int(in: 1...3) {
                    held.insert(origin: node.id, sequence: UInt64(attackRandom.int(in: 1...1_000_000)))
                }
            }
            return SyncMessage.summary(held: held, compacted: held, neighbors: []).encoded()
        case .forgedDigest:
            return forgedDigest(target: target)
        case .forgedContext:
            return forgedContext(origin: stolen, target: target, third: nodes[other].id)
        }
    }

    /// An entry-less batch signed by `origin`'s (stolen) key whose context
    /// claims what no honest origin could: counters up to the limit, the
    /// target's own unmade writes, or a third node's writes beyond what the
    /// target has seen.
    private func forgedContext(origin: NodeKeyPair, target: Int, third: NodeID) -> [UInt8] {
        let targetID = nodes[target].id
        let collection = attackRandom.pick(PlanGenerator.collections) ?? "customers"
        let seen = (try? nodes[target].store.workingSet(collection, records: []).context) ?? CausalContext()
        var claimed = CausalContext()
        switch attackRandom.below(3) {
        case 0:
            // The review's attack: everything, for the origin and the target.
            claimed.insert(node: origin.nodeID, 1...UInt64.max)
            claimed.insert(node: targetID, 1...UInt64.max)
        case 1:
            let next = seen.maxCounter(of: targetID) + 1
            claimed.insert(node: targetID, 1...(next + UInt64(attackRandom.int(in: 0...1_000))))
        default:
            let claimer = third == origin.nodeID ? targetID : third
            let next = seen.maxCounter(of: claimer) + 1
            claimed.insert(node: claimer, next...(next + UInt64(attackRandom.int(in: 0...1_000))))
        }
        let held = nodes[target].driver?.machine.held ?? BatchVector()
        var batch = DeltaBatch(
            origin: origin.nodeID, sequence: held.nextSequence(for: origin.nodeID) + UInt64(attackRandom.below(3)),
            collection: collection, payload: RecordCollection(trusted: [:], context: claimed).encoded())
        batch.signature = origin.sign(batch.signingBytes)
        return SyncMessage.batches([batch]).encoded()
    }

    /// A state digest whose per-collection counts and digests equal the
    /// target's (a peer that replicates the same data knows them), with a
    /// held vector and contexts claiming the next writes of every node.
    private func forgedDigest(target: Int) -> [UInt8] {
        let store = nodes[target].store
        var held = BatchVector()
        var context = CausalContext()
        for node in nodes {
            let next = (nodes[target].driver?.machine.held ?? BatchVector()).nextSequence(for: node.id)
            held.insert(origin: node.id, sequence: next)
            context.insert(node: node.id, 1...(next + 50))
        }
        var digests: [CollectionDigest] = []
        for name in PlanGenerator.collections {
            let root = DigestReconciliation.root(fromLeaves: (try? store.leafDigests(name)) ?? [:])
            digests.append(CollectionDigest(collection: name, count: root.count, digest: root.digest, context: context))
        }
        return SyncMessage.stateDigest(held: held, collections: digests).encoded()
    }

    /// A batch claiming `origin`, whose delta is a field write made under
    /// `writer`'s dots, with a sequence the origin may or may not have used.
    private func forgedBatch(origin: NodeID, writer: NodeID, timestamp: HLCTimestamp) -> DeltaBatch {
        var state = RecordCollection()
        let collection = attackRandom.pick(PlanGenerator.collections) ?? "customers"
        let record = "\(collection.prefix(1))\(attackRandom.below(config.recordsPerCollection) + 1)"
        let field = attackRandom.pick(PlanGenerator.fields) ?? "name"
        let delta = (try? state.update(record, fields: [(field, .string("forged"))], by: writer, at: timestamp)) ?? RecordCollection()
        let used = acknowledged.filter { $0.batch.origin == origin }.count
        return DeltaBatch(
            origin: origin, sequence: UInt64(attackRandom.int(in: 1...(used + 3))),
            collection: collection, payload: delta.encoded())
    }

    /// A genuine message with bytes flipped or cut short, never one that
    /// still decodes to genuine batches only (that would be a faithful
    /// relay, which any peer may do).
    private func corrupted(target: Int) -> [UInt8] {
        for _ in 0..<8 {
            var bytes: [UInt8]
            if let genuine = attackRandom.pick(acknowledged)?.batch, attackRandom.chance(0.7) {
                bytes = SyncMessage.batches([genuine]).encoded()
            } else {
                bytes = SyncMessage.summary(held: acknowledgedVector, compacted: BatchVector(), neighbors: []).encoded()
            }
            if attackRandom.chance(0.3) {
                bytes = Array(bytes.prefix(attackRandom.below(bytes.count)))
            } else {
                for _ in 0..<attackRandom.int(in: 1...3) {
                    let position = attackRandom.below(bytes.count)
                    bytes[position] ^= UInt8(truncatingIfNeeded: attackRandom.int(in: 1...255))
                }
            }
            if case .batches(let batches)? = try? SyncMessage(decoding: bytes),
               batches.allSatisfy({ batch in acknowledgedByID[batch.id].map { acknowledged[$0].batch == batch } ?? false }) {
                continue
            }
            return bytes
        }
        return attackRandom.bytes(32)
    }
}
