/// What a malicious peer sends. Every kind must be refused (or dropped as
/// a copy of something held) and change no state.
public enum AttackKind: String, CaseIterable, Hashable, Sendable {
    /// Random bytes.
    case garbage
    /// A genuine message with a few bytes flipped or cut short.
    case corrupted
    /// A batch in a trusted origin's name, not signed by its key.
    case badSignature
    /// A correctly signed batch from a key that is not trusted.
    case untrustedOrigin
    /// A batch signed with a trusted (stolen) key whose content claims
    /// another node's writes (entries under another origin's dots).
    case foreignDots
    /// A genuine batch with its payload altered, signature kept.
    case tamperedReplay
    /// A summary with made-up batch vectors (it can only change what the
    /// receiver sends to the attacker, never replicated state).
    case forgedSummary
    /// A state digest matching the target's records, claiming batches the
    /// target lacks and a causal context that covers other nodes' future
    /// writes (digest reconciliation must not take it on trust).
    case forgedDigest
    /// A batch signed with a trusted (stolen) key that carries no entries,
    /// only a causal context claiming dots nobody has made: counters up to
    /// the limit (which would erase every record and leave the claimed
    /// nodes unable to write), or the target's next writes, or a third
    /// node's writes that have not reached the target.
    case forgedContext
}

extension AttackKind {
    /// The attacks of the `malicious` fault class.
    static let batchAttacks: [AttackKind] = allCases.filter { $0 != .forgedDigest }
}
