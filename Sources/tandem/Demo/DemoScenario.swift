import ArgumentParser

/// The mission's scenarios `tandem demo --scenario` runs (docs/scenarios.md),
/// each on two `tandem run` processes. Without `--scenario` the demo is the
/// CRM and helpdesk SQLite pair.
enum DemoScenario: String, CaseIterable, ExpressibleByArgument {
    case crmSupport = "crm-support"
    case proposalProject = "proposal-project"
    case billingCRM = "billing-crm"

    /// Runs the scenario's walk-through in `directory`; returns whether its
    /// outcome holds on every system.
    func run(directory: String, timeout: Double, once: Bool) async throws -> Bool {
        switch self {
        case .crmSupport: try await CRMSupportDemo(directory: directory, timeout: timeout).run(once: once)
        case .proposalProject: try await ProposalProjectDemo(directory: directory, timeout: timeout).run(once: once)
        case .billingCRM: try await BillingCRMDemo(directory: directory, timeout: timeout).run(once: once)
        }
    }
}
