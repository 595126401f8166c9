import TOMLKit

extension ConfigurationParser {
    /// `[[peer]]` keys about trust beyond the allow-list.
    static let peerTrustKeys = ["state_source"]
}

extension TOMLSection {
    func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard value.type == .bool, let flag = value.bool else {
            throw error(key, "expected true or false, got \(Self.describe(value))")
        }
        return flag
    }
}
