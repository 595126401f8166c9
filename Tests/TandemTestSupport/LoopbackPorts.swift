import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Free TCP ports on 127.0.0.1 for tests that must know a port before the
/// program that listens on it starts (a node's peers dial it).
///
/// A port found by binding port 0 comes from the system's ephemeral range,
/// the same range the kernel draws from for every outgoing connection: on a
/// busy machine, with tests opening connections in parallel, one of them
/// can take it before the program binds it ("Address already in use").
/// These ports come from below that range (20000-32767), where the kernel
/// never assigns one by itself; each is checked free by binding it, and is
/// never handed out twice by this process.
public enum LoopbackPorts {
    private static let handedOut = Mutex(Set<Int>())
    private static let range = 20_000...32_767

    /// A port that was free a moment ago and that this process has not
    /// handed out before.
    public static func free() throws -> Int {
        for _ in 0..<1_000 {
            let port = Int.random(in: range)
            let fresh = handedOut.withLock { $0.insert(port).inserted }
            if fresh && bindable(port) { return port }
        }
        throw LoopbackPortsError()
    }

    private static func bindable(_ port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// No free loopback port was found below the ephemeral range.
public struct LoopbackPortsError: Error, CustomStringConvertible {
    public var description: String { "no free loopback port found in 20000-32767 after 1,000 tries" }
}
