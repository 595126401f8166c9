import Synchronization

/// The alerts firing now, as the ``AlertService`` last found them, for the
/// status report: `kind` or `kind adapter`, sorted.
///
/// Guarantees: safe from any thread.
final class ActiveAlerts: Sendable {
    private let names = Mutex<[String]>([])

    var current: [String] { names.withLock { $0 } }

    func set(_ active: [(kind: Alert.Kind, subject: String?)]) {
        let list = active.map { alert in alert.subject.map { "\(alert.kind.rawValue) \($0)" } ?? alert.kind.rawValue }
        names.withLock { $0 = list }
    }
}
