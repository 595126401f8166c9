/// Something that happens at a moment of virtual time.
enum SimEvent {
    /// Bytes arrive over link `link` (in its connection `epoch`);
    /// `injected` when the network duplicated them (the second copy).
    case deliver(link: Int, epoch: Int, from: Int, to: Int, bytes: [UInt8], injected: Bool)
    /// Node `to` reads what has arrived from node `from` on link `link`
    /// (every message in that direction's inbox, in one `receive`).
    case read(link: Int, epoch: Int, from: Int, to: Int)
    /// A timer a node's driver asked for, in the node's `incarnation`.
    case timer(node: Int, incarnation: Int)
    /// The plan item at this index of `Plan.items` starts.
    case plan(Int)
    /// A partition of the plan item at this index heals.
    case heal(Int)
    /// A crashed node restarts (plan item index of its crash).
    case restart(Int)
    /// A step of node `node`'s adapter, in the node's `incarnation`.
    case adapter(node: Int, incarnation: Int)
    /// An adapter fault of the plan item at this index ends.
    case adapterFaultEnds(Int)
}

/// A min-heap of events by (time, insertion order): simultaneous events
/// happen in the order they were scheduled, so a run is deterministic.
struct EventQueue {
    private struct Entry {
        var time: UInt64
        var order: UInt64
        var event: SimEvent

        func before(_ other: Entry) -> Bool { (time, order) < (other.time, other.order) }
    }

    private var heap: [Entry] = []
    private var nextOrder: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    mutating func schedule(_ event: SimEvent, at time: UInt64) {
        heap.append(Entry(time: time, order: nextOrder, event: event))
        nextOrder += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].before(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest event.
    mutating func pop() -> (time: UInt64, event: SimEvent)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count && heap[left].before(heap[smallest]) { smallest = left }
                if right < heap.count && heap[right].before(heap[smallest]) { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (first.time, first.event)
    }
}
