import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

/// Crashes and restarts: a crashed node keeps exactly what its store had
/// committed; it restarts with a new driver built from that store (its
/// clock resuming from the store's high-water mark) and reconnects.
extension Simulation {
    func crash(_ index: Int, by item: PlanItem) {
        metrics.crashes += 1
        trace("n\(index) crashes (#\(item.id)), restarts at \(item.end) ms")
        nodes[index].driver = nil
        nodes[index].incarnation += 1
        nodes[index].downBy = item.id
        nodes[index].store = nodes[index].store.crashed()
        adapters[index].reset()
        // Anything the driver had asked for but not yet handed over dies with it.
        let shell = nodes[index].shell
        shell.outbox.removeAll()
        shell.timers.removeAll()
        shell.events.removeAll()
        for link in links.indices where links[link].a == index || links[link].b == index { refresh(link) }
    }

    func restart(after item: PlanItem) {
        guard case .crash(let index, _, let newSkew) = item.action, nodes[index].downBy == item.id else { return }
        if let newSkew { nodes[index].skew = newSkew }
        bringUp(index)
    }

    /// Crashes node `index` and brings it up again at once (a process
    /// restart: what it committed survives, nothing else).
    func restartNow(_ index: Int, item: PlanItem) {
        crash(index, by: item)
        bringUp(index)
    }

    /// Restarts node `index` from its store.
    private func bringUp(_ index: Int) {
        do {
            nodes[index].driver = try makeDriver(index)
        } catch {
            failures.append(CheckFailure(.acknowledged, "n\(index) could not restart from its store: \(error)"))
            return
        }
        nodes[index].downBy = nil
        let clock = nodes[index].driver?.machine.clock.latest ?? .zero
        trace("n\(index) restarts from its durable state (holds \(describe(nodes[index].driver?.machine.held ?? BatchVector())), clock \(describe(clock)), skew \(nodes[index].skew) ms)")
        startDriver(index)
        startAdapter(index)
        for link in links.indices where links[link].a == index || links[link].b == index { refresh(link) }
    }
}
