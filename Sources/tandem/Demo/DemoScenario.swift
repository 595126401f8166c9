import ArgumentParser

/// The mission's scenarios `tandem demo --scenario` can run
/// (docs/scenarios.md). Without `--scenario` the demo is the CRM and
/// helpdesk SQLite pair.
enum DemoScenario: String, CaseIterable, ExpressibleByArgument {
    case crmSupport = "crm-support"
    case proposalProject = "proposal-project"
    case billingCRM = "billing-crm"

    /// Why the scenario cannot run in this build, or nil when it can.
    var unavailable: String? {
        switch self {
        case .proposalProject:
            return nil
        case .crmSupport, .billingCRM:
            return "scenario \(rawValue) is not built yet (the HTTP adapter and the fake APIs exist; the scenario's "
                + "demo does not); available: proposal-project (or no --scenario for the CRM and helpdesk tables)"
        }
    }
}
