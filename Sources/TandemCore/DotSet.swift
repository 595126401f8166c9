/// A set of dots: the dot store behind record presence and each element of
/// an add-wins set. Kept as a sorted array, since it usually holds one dot.
public struct DotSet: DotStore, Hashable {
    /// The dots, sorted and unique.
    public private(set) var elements: [Dot]

    public init() { elements = [] }

    /// A store holding exactly `dots` (sorted and deduplicated here).
    public init<S: Sequence>(_ dots: S) where S.Element == Dot {
        elements = Array(Set(dots)).sorted()
    }

    /// A store from dots already sorted and unique (decoders check that).
    init(sortedUnique dots: [Dot]) { elements = dots }

    @inlinable
    public var isEmpty: Bool { elements.isEmpty }

    public func forEachDot(_ body: (Dot) -> Void) {
        for dot in elements { body(dot) }
    }

    /// Whether `dot` is held.
    public func contains(_ dot: Dot) -> Bool { elements.contains(dot) }

    public mutating func join(_ other: DotSet, selfContext: CausalContext, otherContext: CausalContext) {
        if other.elements.isEmpty {
            if elements.contains(where: { otherContext.contains($0) }) {
                elements.removeAll { otherContext.contains($0) }
            }
            return
        }
        if elements.isEmpty {
            elements = other.elements
            if elements.contains(where: { selfContext.contains($0) }) {
                elements.removeAll { selfContext.contains($0) }
            }
            return
        }
        if elements == other.elements { return }
        var result: [Dot] = []
        result.reserveCapacity(elements.count + other.elements.count)
        var i = 0
        var j = 0
        while i < elements.count || j < other.elements.count {
            if j == other.elements.count || (i < elements.count && elements[i] < other.elements[j]) {
                if !otherContext.contains(elements[i]) { result.append(elements[i]) }
                i += 1
            } else if i == elements.count || other.elements[j] < elements[i] {
                if !selfContext.contains(other.elements[j]) { result.append(other.elements[j]) }
                j += 1
            } else {
                result.append(elements[i])
                i += 1
                j += 1
            }
        }
        elements = result
    }
}
