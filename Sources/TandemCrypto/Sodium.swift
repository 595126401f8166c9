import CSodium

/// One-time initialisation of libsodium.
///
/// `sodium_init()` must run before any other libsodium call: it selects the
/// CPU-specific implementations and seeds the random generator. Every public
/// entry point of this module calls ``ensureInitialized()`` first.
///
/// Guarantees: `sodium_init()` runs at most once per process, even when many
/// threads race to the first call (a Swift `static let` is initialised lazily
/// under `swift_once`); every later call only reads the stored result. A
/// failed initialisation (`-1`) is reported as ``CryptoError/sodiumInitFailed``
/// on every call, never ignored.
enum Sodium {
    /// The result of the single `sodium_init()` call: 0 (initialised now),
    /// 1 (already initialised by someone else) or -1 (failure).
    private static let initResult: Int32 = sodium_init()

    /// Initialises libsodium if no one has yet.
    ///
    /// - Throws: ``CryptoError/sodiumInitFailed`` when `sodium_init()` failed.
    static func ensureInitialized() throws(CryptoError) {
        guard initResult >= 0 else { throw CryptoError.sodiumInitFailed }
    }
}
