/// The verdict of one check: its name and, when it failed, what was wrong
/// (one line per finding).
public struct CheckResult: Sendable {
    public var name: String
    public var findings: [String]

    public init(_ name: String, findings: [String]) {
        self.name = name
        self.findings = findings
    }

    public var passed: Bool { findings.isEmpty }
}
