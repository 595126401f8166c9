/// The one spelling of record ids and field names: Unicode normal form C.
///
/// Swift's `String` compares and hashes by canonical equivalence, while the
/// canonical encoding, record digests and reconciliation buckets work on
/// UTF-8 bytes. The core holds every record id and field name in normal
/// form C (NFC), where the two agree: two identifiers are equal strings
/// exactly when their bytes are equal, and `String` order is byte order.
/// So equality, hashing, ordering, bucketing and encoding all see one
/// identity, and two spellings of one id can never be half of one record.
///
/// Guarantees:
/// - Every delta mutator of `RecordCollection` and its checked initialiser
///   normalise the ids and names they are given; decoders refuse payloads
///   whose ids or names are not in NFC (`DecodingError.Reason.notCanonical`).
/// - `normalized(_:)` returns its argument unchanged (no copy, no Unicode
///   tables consulted) when it is ASCII, which is always NFC.
///
/// NFC is the standard library's (`String._nfcCodeUnits`, which Foundation's
/// `precomposedStringWithCanonicalMapping` also uses on Linux), so the core
/// needs no Foundation. Unicode's stability policy keeps the NFC of assigned
/// characters fixed across Unicode versions.
public enum Identifier {
    /// `text` in Unicode normal form C: `text` itself when it already is.
    public static func normalized(_ text: String) -> String {
        if isASCII(text) { return text }
        let units = text._nfcCodeUnits
        if units.elementsEqual(text.utf8) { return text }
        return String(decoding: units, as: UTF8.self)
    }

    /// Whether `text` is in Unicode normal form C.
    public static func isNormalized(_ text: String) -> Bool {
        isASCII(text) || text._nfcCodeUnits.elementsEqual(text.utf8)
    }

    /// `changes` with every name in normal form C: the same array when
    /// every name is ASCII.
    static func normalizingNames(_ changes: [(String, Value)]) -> [(String, Value)] {
        if changes.allSatisfy({ isASCII($0.0) }) { return changes }
        return changes.map { (normalized($0.0), $0.1) }
    }

    /// Whether every byte of `text` is ASCII (then it is in NFC).
    @inline(__always)
    static func isASCII(_ text: String) -> Bool {
        if let ascii = text.utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
            var combined: UInt8 = 0
            for byte in bytes { combined |= byte }
            return combined < 0x80
        }) {
            return ascii
        }
        return text.utf8.allSatisfy { $0 < 0x80 }
    }
}
