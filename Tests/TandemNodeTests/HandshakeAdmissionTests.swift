import Testing
@testable import TandemNode

@Suite("Handshake admission (pure)")
struct HandshakeAdmissionTests {
    typealias Admission = HandshakeAdmission<Int>

    @Test("within the caps nothing is dropped")
    func withinCaps() {
        var admission = Admission(maxTotal: 4, maxPerAddress: 2)
        #expect(admission.admit(1, address: "10.0.0.1") == nil)
        #expect(admission.admit(2, address: "10.0.0.1") == nil)
        #expect(admission.admit(3, address: "10.0.0.2") == nil)
        #expect(admission.admit(4, address: "10.0.0.3") == nil)
        #expect(admission.count == 4)
    }

    @Test("over the global cap the oldest connection of all is dropped, one per admission")
    func globalCap() {
        var admission = Admission(maxTotal: 3, maxPerAddress: 100)
        for connection in 1...3 { _ = admission.admit(connection, address: "10.0.0.\(connection)") }
        #expect(admission.admit(4, address: "10.0.0.4") == .init(connection: 1, cap: .total))
        #expect(admission.admit(5, address: "10.0.0.5") == .init(connection: 2, cap: .total))
        #expect(admission.count == 3)
        #expect(!admission.contains(1) && !admission.contains(2))
        #expect(admission.contains(3) && admission.contains(4) && admission.contains(5))
    }

    @Test("over the per-address cap the oldest connection of that address is dropped, not an older one of another")
    func perAddressCap() {
        var admission = Admission(maxTotal: 100, maxPerAddress: 2)
        _ = admission.admit(1, address: "10.0.0.9")
        _ = admission.admit(2, address: "10.0.0.1")
        _ = admission.admit(3, address: "10.0.0.1")
        #expect(admission.admit(4, address: "10.0.0.1") == .init(connection: 2, cap: .perAddress))
        #expect(admission.contains(1))
        #expect(admission.count == 3)
    }

    @Test("a per-address drop also makes room under the global cap: one drop per admission")
    func bothCaps() {
        var admission = Admission(maxTotal: 3, maxPerAddress: 2)
        _ = admission.admit(1, address: "a")
        _ = admission.admit(2, address: "b")
        _ = admission.admit(3, address: "b")
        #expect(admission.admit(4, address: "b") == .init(connection: 2, cap: .perAddress))
        #expect(admission.admit(5, address: "c") == .init(connection: 1, cap: .total))
        #expect(admission.admit(6, address: "c") == .init(connection: 3, cap: .total))
        #expect(admission.admit(7, address: "c") == .init(connection: 5, cap: .perAddress))
        #expect(admission.count == 3)
        #expect(admission.contains(4) && admission.contains(6) && admission.contains(7))
    }

    @Test("a completed or closed connection frees its place; re-admitting is a no-op")
    func removal() {
        var admission = Admission(maxTotal: 2, maxPerAddress: 2)
        _ = admission.admit(1, address: nil)
        _ = admission.admit(2, address: nil)
        #expect(admission.admit(2, address: nil) == nil)
        admission.remove(1)
        #expect(admission.admit(3, address: nil) == nil)
        admission.remove(42)
        #expect(admission.count == 2)
    }

    @Test("caps below one keep the newest connection")
    func degenerateCaps() {
        var admission = Admission(maxTotal: 0, maxPerAddress: -5)
        #expect(admission.admit(1, address: "a") == nil)
        #expect(admission.admit(2, address: "a") == .init(connection: 1, cap: .perAddress))
        #expect(admission.admit(3, address: "b") == .init(connection: 2, cap: .total))
        #expect(admission.count == 1 && admission.contains(3))
    }
}
