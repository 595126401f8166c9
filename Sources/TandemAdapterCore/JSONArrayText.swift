#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Set fields stored as JSON array text (`["vip","churn-risk"]`), the form
/// SQLite columns and text columns use; also the JSON objects capture
/// triggers write. Decoding goes through Foundation's `JSONDecoder` (flat
/// objects of plain values through `FlatJSONObject`, with the same result);
/// encoding is canonical (elements in the given order, minimal escapes).
public enum JSONArrayText {
    /// The elements of JSON array text, or nil if it is not a JSON array.
    public static func parse(_ text: String) -> [ExternalValue]? {
        guard let values = try? JSONDecoder().decode([ExternalValue].self, from: Data(text.utf8)) else { return nil }
        return values
    }

    /// A JSON object of column values (what capture triggers write), or nil
    /// if `text` is not one.
    public static func object(_ text: String) -> [String: ExternalValue]? {
        // The usual flat object directly; anything else through JSONDecoder.
        if let values = FlatJSONObject.values(text) { return values }
        return try? JSONDecoder().decode([String: ExternalValue].self, from: Data(text.utf8))
    }

    /// JSON text of `value` (arrays nest).
    public static func encode(_ value: ExternalValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return number.isFinite ? String(number) : "null"
        case .text(let text): return quote(text)
        case .array(let elements): return "[" + elements.map(encode).joined(separator: ",") + "]"
        }
    }

    private static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
