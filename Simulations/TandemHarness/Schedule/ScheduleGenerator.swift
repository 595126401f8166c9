import Foundation
import TandemTestSupport

/// Derives a run's `HarnessSchedule` from its seed: initial rows with
/// colliding match keys, then edits, link faults, SIGKILLs and restarts
/// spread over the fault phase.
///
/// The edit patterns: single updates; the same field updated on two or
/// three nodes at once; different fields of one record updated on two
/// nodes at once; inserts of one new match key on two or three nodes at
/// once (in different letter case); a delete concurrent with an update on
/// another node; deletes; set-field adds and removes; bursts of 5 to 10
/// edits on one node; large values (10 to 200 KB).
public struct ScheduleGenerator {
    public var nodes: Int
    public var links: [HarnessLink]
    public var durationMillis: Int
    /// Whether to restart the PostgreSQL server once.
    public var restartsPostgres = false
    /// Sidestep the known issues (`HarnessOptions.sidestepKnownIssues`):
    /// during the fault phase each match key is inserted by one node only
    /// (key k by node k mod N), so no insert races the adapter's insert of
    /// the same key arriving from a peer. Every other pattern stays.
    public var sidestepsKnownIssues = false

    public init(nodes: Int, links: [HarnessLink], durationMillis: Int, restartsPostgres: Bool = false, sidestepsKnownIssues: Bool = false) {
        self.nodes = nodes
        self.links = links
        self.durationMillis = durationMillis
        self.restartsPostgres = restartsPostgres
        self.sidestepsKnownIssues = sidestepsKnownIssues
    }

    /// The node that inserts key `index` when sidestepping.
    func owner(_ index: Int) -> Int { index % nodes }

    /// The records the edits touch: few, so edits collide.
    var keyCount: Int { 6 + 2 * nodes }

    static func email(_ index: Int) -> String { "user\(index)@example.com" }

    public func schedule(seed: UInt64) -> HarnessSchedule {
        var random = SplitMix64(state: seed)
        var builder = Builder(generator: self)
        let initial = (0..<nodes).map { node in
            random.pick(3, of: Array(0..<6)).map { key in
                ExternalEdit.insert(
                    email: Self.email(key), values: builder.values(["name", "phone"], random: &random, node: node),
                    tags: [random.pick(Self.tags)])
            }
        }
        let end = durationMillis
        // Link faults: about one per 2.5 s, never two of a kind at once on a link.
        if !links.isEmpty {
            let faults = max(3, durationMillis / 2_500)
            for _ in 0..<faults {
                let link = random.pick(links)
                let fault: LinkFault
                switch random.draw(0...5) {
                case 0: fault = .cut
                case 1: fault = .oneWay(silenced: random.chance(50) ? link.a : link.b)
                case 2: fault = .delay(millis: random.draw(20...300), jitter: random.draw(0...200))
                case 3: fault = .throttle(bytesPerSecond: random.draw(2_000...40_000))
                case 4: fault = .hold
                default: fault = .reset
                }
                let length = fault == .reset ? 0 : random.draw(500...min(6_000, max(500, end / 3)))
                let start = random.draw(300...max(300, end - length - 100))
                builder.fault(fault, on: link, at: start, for: length)
            }
        }
        // SIGKILLs: about one per 12 s, down for 0.3 to 4 s, one node down at a time.
        let kills = max(1, durationMillis / 12_000)
        for _ in 0..<kills {
            let node = random.draw(0...(nodes - 1))
            let down = random.draw(300...4_000)
            let at = random.draw(500...max(500, end - down - 100))
            builder.kill(node, at: at, for: down)
        }
        if restartsPostgres {
            builder.add(at: random.draw((end / 4)...(3 * end / 4)), .restartPostgres)
        }
        // Edits: a step every 400 ms on average.
        let steps = max(4, durationMillis / 400)
        for _ in 0..<steps {
            builder.editStep(at: random.draw(200...max(200, end - 200)), random: &random)
        }
        return HarnessSchedule(
            seed: seed, initialRows: initial,
            events: builder.events.enumerated().sorted { ($0.element.atMillis, $0.offset) < ($1.element.atMillis, $1.offset) }
                .map(\.element),
            durationMillis: durationMillis)
    }

    static let tags = ["vip", "lead", "churn-risk", "partner", "beta", "eu"]

    /// Accumulates events and numbers their steps.
    struct Builder {
        let generator: ScheduleGenerator
        var events: [ScheduledEvent] = []
        var step = 0
        var counter = 0
        /// The stretches each (link, fault kind), and the kills, already
        /// take: a fault or kill is left out if it would overlap one. (They
        /// are drawn in random order of time, so a single "busy until"
        /// mark would drop every draw before the latest one: a 600 s run
        /// had 56 link faults of 240 drawn and 4 kills of 50.)
        var busy: [String: [ClosedRange<Int>]] = [:]

        /// Takes `stretch` for `slot` unless it overlaps what the slot holds.
        mutating func take(_ slot: String, _ stretch: ClosedRange<Int>) -> Bool {
            guard !(busy[slot] ?? []).contains(where: { $0.overlaps(stretch) }) else { return false }
            busy[slot, default: []].append(stretch)
            return true
        }

        init(generator: ScheduleGenerator) {
            self.generator = generator
        }

        mutating func add(at: Int, _ action: ScheduledAction) {
            events.append(ScheduledEvent(atMillis: at, step: step, action: action))
        }

        mutating func fault(_ fault: LinkFault, on link: HarnessLink, at start: Int, for length: Int) {
            let slot = "\(link)/\(fault.kind)"
            guard take(slot, start...(start + length)) else { return }
            step += 1
            add(at: start, .startFault(link: link, fault))
            if fault != .reset { add(at: start + length, .endFault(link: link, fault)) }
        }

        mutating func kill(_ node: Int, at: Int, for down: Int) {
            guard take("kill", at...(at + down + 1_000)) else { return }
            step += 1
            add(at: at, .kill(node: node))
            add(at: at + down, .restart(node: node))
        }

        /// Fresh values of `fields` (unique, so every edit changes its field).
        mutating func values(_ fields: [String], random: inout SplitMix64, node: Int) -> [String: String] {
            var values: [String: String] = [:]
            for field in fields {
                counter += 1
                switch field {
                case "phone": values[field] = "+1-555-\(counter)"
                case "note":
                    if random.chance(15) {
                        let size = random.draw(10_000...200_000)
                        values[field] = "large-\(counter)-" + String(repeating: "x", count: size)
                    } else {
                        values[field] = "note \(counter) from n\(node + 1)"
                    }
                default: values[field] = "\(field)-\(counter)-n\(node + 1)"
                }
            }
            return values
        }

        mutating func editStep(at: Int, random: inout SplitMix64) {
            step += 1
            let nodes = generator.nodes
            let keyIndex = random.draw(0...(generator.keyCount - 1))
            let key = ScheduleGenerator.email(keyIndex)
            var writers = random.pick(random.draw(2...min(3, nodes)), of: Array(0..<nodes))
            let sidestep = generator.sidestepsKnownIssues
            let pattern = random.draw(0...99)
            if sidestep && (42..<62).contains(pattern) {
                // Inserts of this key come from its owner alone.
                writers = [generator.owner(keyIndex)] + writers.filter { $0 != generator.owner(keyIndex) }
            }
            let one = writers[0]
            let fields = ["name", "phone", "note"]
            switch pattern {
            case 0..<20:  // a single update
                add(at: at, .edit(node: one, .update(key: key, values: values([random.pick(fields)], random: &random, node: one))))
            case 20..<32:  // the same field on several nodes at once
                let field = random.pick(fields)
                for (offset, node) in writers.enumerated() {
                    add(at: at + offset * random.draw(0...3), .edit(node: node, .update(key: key, values: values([field], random: &random, node: node))))
                }
            case 32..<42:  // different fields of one record on two nodes at once
                let two = random.pick(2, of: fields)
                for (offset, node) in writers.prefix(2).enumerated() {
                    add(at: at + offset, .edit(node: node, .update(key: key, values: values([two[offset]], random: &random, node: node))))
                }
            case 42..<52:  // one new match key inserted on several nodes at once, in different case
                for (offset, node) in writers.prefix(sidestep ? 1 : writers.count).enumerated() {
                    let email = offset == 0 ? key : key.replacingOccurrences(of: "user", with: offset == 1 ? "User" : "USER")
                    add(at: at + offset, .edit(node: node, .insert(
                        email: email, values: values(["name", "phone"], random: &random, node: node), tags: [random.pick(ScheduleGenerator.tags)])))
                }
            case 52..<62:  // an insert
                add(at: at, .edit(node: one, .insert(
                    email: key, values: values(["name", "phone", "note"], random: &random, node: one), tags: [])))
            case 62..<72:  // a delete concurrent with an update elsewhere
                add(at: at, .edit(node: one, .delete(key: key)))
                let other = writers[1]
                add(at: at + random.draw(0...5), .edit(node: other, .update(key: key, values: values([random.pick(fields)], random: &random, node: other))))
            case 72..<78:  // a delete
                add(at: at, .edit(node: one, .delete(key: key)))
            case 78..<90:  // set-field edits, concurrent on two nodes
                let tag = random.pick(ScheduleGenerator.tags)
                add(at: at, .edit(node: one, random.chance(60) ? .addTag(key: key, tag: tag) : .removeTag(key: key, tag: tag)))
                add(at: at + 1, .edit(node: writers[1], .addTag(key: key, tag: random.pick(ScheduleGenerator.tags))))
            default:  // a burst on one node
                for offset in 0..<random.draw(5...10) {
                    let burstIndex = random.draw(0...(generator.keyCount - 1))
                    let burstKey = ScheduleGenerator.email(burstIndex)
                    let edit: ExternalEdit = random.chance(30) && (!sidestep || generator.owner(burstIndex) == one)
                        ? .insert(email: burstKey, values: values(["name", "phone"], random: &random, node: one), tags: [])
                        : .update(key: burstKey, values: values([random.pick(fields)], random: &random, node: one))
                    add(at: at + offset, .edit(node: one, edit))
                }
            }
        }
    }
}
