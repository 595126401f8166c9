#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import TandemAdapterCore
import Testing

/// `JSONArrayText.object` reads flat objects directly (`FlatJSONObject`)
/// and everything else through `JSONDecoder`: the result is always what
/// `JSONDecoder` alone gives.
struct JSONObjectDecodingTests {
    private func decoded(_ text: String) -> [String: ExternalValue]? {
        try? JSONDecoder().decode([String: ExternalValue].self, from: Data(text.utf8))
    }

    static let fastCases = [
        #"{"a": "a-1", "b": null, "v": 3, "id": 1, "code": "r1", "vip": true, "off": false}"#,
        #"{}"#,
        #" { "x" :"y" , "n":-42 } "#,
        "{\n\t\"x\": \"y\"\r\n}",
        #"{"q": "say \"hi\" \\ back\/slash\n\t\r\b\f"}"#,
        #"{"é": "✓ ünïcode 𝄞"}"#,
        #"{"max": 9223372036854775807, "min": -9223372036854775808, "zero": 0}"#,
    ]

    static let fallbackCases = [
        #"{"u": "\u00e9\ud834\udd1e"}"#,
        #"{"d": 12.5, "e": 1e3, "f": 1.0, "g": -2E-2}"#,
        #"{"big": 9223372036854775808, "small": -9223372036854775809, "huge": 123456789012345678901}"#,
        #"{"tags": ["vip", "a b", null, 1]}"#,
        #"{"nested": {"a": 1}}"#,
        #"{"a": 1, "a": 2}"#,
        #"{"lead": 01}"#,
        #"{"bare": -}"#,
        #"{"minus zero": -0}"#,
        #"{"a": 1} trailing"#,
        #"{"a": 1"#,
        #"{"a" 1}"#,
        #"{"a": 1,}"#,
        #"{"a": tru}"#,
        #"{"bad": "\x"}"#,
        "{\"control\": \"a\u{01}b\"}",
        #"["not", "an object"]"#,
        #""#,
        #"null"#,
    ]

    @Test(arguments: fastCases)
    func flatObjectsAreReadDirectlyWithJSONDecodersResult(_ text: String) throws {
        let direct = try #require(FlatJSONObject.values(text))
        #expect(direct == decoded(text))
        #expect(JSONArrayText.object(text) == direct)
    }

    @Test(arguments: fallbackCases)
    func everythingElseGoesThroughJSONDecoder(_ text: String) {
        #expect(FlatJSONObject.values(text) == nil)
        #expect(JSONArrayText.object(text) == decoded(text))
    }

    @Test func generatedObjectsDecodeAsJSONDecoderDecodesThem() {
        // A fixed-seed generator: the same 2,000 objects every run.
        var state: UInt64 = 0x5EED_1234_ABCD_0001
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let pieces = ["a", "Z", "0", " ", "é", "𝄞", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u0041", "-", "\\x"]
        func text() -> String { (0..<next(6)).map { _ in pieces[next(pieces.count)] }.joined() }
        func value() -> String {
            switch next(9) {
            case 0: "null"
            case 1: "true"
            case 2: "false"
            case 3: String(Int64(next(2_000_000)) - 1_000_000)
            case 4: String(Double(next(1000)) / 8)
            case 5: "[1, \"x\"]"
            case 6: "9223372036854775807"
            default: "\"" + text() + "\""
            }
        }
        var direct = 0
        for _ in 0..<2000 {
            let fields = (0..<next(5)).map { _ in "\"" + text() + "\"" + [":", ": ", " : "][next(3)] + value() }
            let object = "{" + fields.joined(separator: [",", ", "][next(2)]) + "}"
            if FlatJSONObject.values(object) != nil { direct += 1 }
            #expect(JSONArrayText.object(object) == decoded(object), "\(object)")
        }
        // Most generated objects take the direct path, some the fallback.
        #expect(direct > 200 && direct < 2000)
    }
}
