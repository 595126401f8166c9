/// Dates and timestamps in their canonical text forms, parsed from the
/// shapes external systems write (ISO 8601 with `T` or a space, optional
/// fraction, `Z` or a numeric offset, or none, read as UTC) without
/// Foundation's formatters, so every node produces the same bytes.
public enum CanonicalTime {
    /// `YYYY-MM-DD` from a date or the date part of a timestamp.
    public static func date(_ text: String) -> String? {
        guard let parts = parse(text) else { return nil }
        return format(date: civil(fromDays: floorDiv(parts.millis, 86_400_000)))
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC, milliseconds) from any accepted form.
    public static func timestamp(_ text: String) -> String? {
        guard let parts = parse(text) else { return nil }
        return format(millis: parts.millis)
    }

    /// Milliseconds since the Unix epoch of an accepted form.
    public static func millis(_ text: String) -> Int64? { parse(text)?.millis }

    /// The canonical timestamp of `millis` since the Unix epoch.
    public static func format(millis: Int64) -> String {
        let days = floorDiv(millis, 86_400_000)
        let inDay = millis - days * 86_400_000
        let civil = civil(fromDays: days)
        let hour = inDay / 3_600_000, minute = inDay / 60_000 % 60, second = inDay / 1000 % 60, milli = inDay % 1000
        return format(date: civil) + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) + "."
            + pad(milli, 3) + "Z"
    }

    // MARK: Parsing

    private static func parse(_ text: String) -> (millis: Int64, hasTime: Bool)? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int64? {
            guard index + digits <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<(index + digits)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              (1...12).contains(month), (1...31).contains(day), day <= daysIn(month: month, year: year)
        else { return nil }
        var millis = days(fromCivil: year, month, day) * 86_400_000
        guard index < bytes.count else { return (millis, false) }
        guard bytes[index] == 84 || bytes[index] == 116 || bytes[index] == 32 else { return nil }  // T, t, space
        index += 1
        guard let hour = number(2), expect(58), let minute = number(2), hour < 24, minute < 60 else { return nil }
        var second: Int64 = 0
        if expect(58) {
            guard let value = number(2), value < 60 else { return nil }
            second = value
        }
        var fraction: Int64 = 0
        if expect(46) {
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 3 { fraction = fraction * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { fraction *= 10 } }
        }
        millis += ((hour * 60 + minute) * 60 + second) * 1000 + fraction
        if index < bytes.count {
            if bytes[index] == 90 || bytes[index] == 122 {  // Z
                index += 1
            } else if bytes[index] == 43 || bytes[index] == 45 {  // + or -
                let sign: Int64 = bytes[index] == 43 ? 1 : -1
                index += 1
                guard let offsetHours = number(2), offsetHours < 24 else { return nil }
                var offsetMinutes: Int64 = 0
                if expect(58) {
                    guard let value = number(2) else { return nil }
                    offsetMinutes = value
                } else if let value = number(2) {
                    offsetMinutes = value
                }
                millis -= sign * (offsetHours * 60 + offsetMinutes) * 60_000
            } else {
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        return (millis, true)
    }

    // MARK: Civil calendar (Howard Hinnant's algorithms)

    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func format(date: (year: Int64, month: Int64, day: Int64)) -> String {
        pad(date.year, 4) + "-" + pad(date.month, 2) + "-" + pad(date.day, 2)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
