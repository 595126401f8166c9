import Foundation
import TandemCrypto

/// Checks a webhook's HMAC-SHA256 signature header against its raw body
/// (pure apart from libsodium's constant-time comparison).
struct WebhookSignature: Sendable {
    let prefix: String
    let isHex: Bool
    let secret: [UInt8]

    /// Whether `header` (nil: absent) signs `body`.
    func accepts(_ header: String?, body: [UInt8]) -> Bool {
        guard var text = header?.trimmingCharacters(in: .whitespaces) else { return false }
        if !prefix.isEmpty {
            guard text.hasPrefix(prefix) else { return false }
            text = String(text.dropFirst(prefix.count))
        }
        let tag: [UInt8]?
        if isHex {
            tag = Self.hex(text)
        } else {
            tag = Data(base64Encoded: text).map { Array($0) }
        }
        guard let tag else { return false }
        return HMACSHA256.verify(tag, message: body, key: secret)
    }

    static func hex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
