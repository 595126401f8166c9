import TandemCore
import Testing

extension CanonicalCoding {
    /// Decodes `bytes`, requiring that accepted bytes are canonical (they
    /// re-encode to exactly themselves) and that a refusal points inside the
    /// input. Returns the refusal, or `nil` when accepted.
    @discardableResult
    static func requireCanonicalOrRefused(_ bytes: [UInt8], limits: Limits = .default) throws -> DecodingError? {
        let value: Self
        do {
            value = try Self(decoding: bytes, limits: limits)
        } catch {
            try #require(error.offset >= 0 && error.offset <= bytes.count, "\(error) points outside \(bytes)")
            return error
        }
        try #require(value.encoded() == bytes, "accepted bytes \(bytes) re-encode to themselves")
        return nil
    }

    /// The reason `bytes` is refused, or `nil` if accepted.
    static func refusal(_ bytes: [UInt8], limits: Limits = .default) -> DecodingError? {
        do {
            _ = try Self(decoding: bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }
}
