import Foundation

/// Reads a duration as the command takes it: seconds (`90`, `2.5`), or a
/// number with a unit `s`, `m` or `h` (`90s`, `10m`, `1h`).
public enum DurationText {
    /// Seconds, or nil for text that is not a non-negative duration.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("h", 3_600), ("m", 60), ("s", 1)]
        for (unit, factor) in units where trimmed.hasSuffix(unit) {
            guard let number = Double(trimmed.dropLast(unit.count)), number.isFinite, number >= 0 else { return nil }
            return number * factor
        }
        guard let number = Double(trimmed), number.isFinite, number >= 0 else { return nil }
        return number
    }
}
