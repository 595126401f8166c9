extension Hex {
    /// The bytes spelled by `text`, two hexadecimal digits (either case) per
    /// byte; nil for an odd length or any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(of: digits[index]), let low = value(of: digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension NodeID {
    /// The node id spelled by 64 hexadecimal digits (either case), as
    /// `tandem keygen` prints it and `hex` returns it; nil for anything else.
    public init?(hex text: String) {
        guard text.utf8.count == 2 * NodeID.byteCount, let bytes = Hex.decode(text),
              let id = try? NodeID(bytes: bytes)
        else { return nil }
        self = id
    }
}
