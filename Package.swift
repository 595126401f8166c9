// swift-tools-version: 6.2
import PackageDescription

/// Settings every Tandem target shares: Swift 6 language mode (strict
/// concurrency), upcoming features that make dependencies explicit, and
/// warnings treated as errors so "no warnings" holds at every commit.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TandemCore", targets: ["TandemCore"]),
        .library(name: "TandemCrypto", targets: ["TandemCrypto"]),
        .library(name: "TandemNet", targets: ["TandemNet"]),
        .library(name: "TandemStore", targets: ["TandemStore"]),
        .library(name: "TandemSync", targets: ["TandemSync"]),
        .library(name: "TandemNode", targets: ["TandemNode"]),
        .library(name: "TandemAdapterCore", targets: ["TandemAdapterCore"]),
        .library(name: "TandemAdapters", targets: ["TandemAdapters"]),
        .library(name: "TandemDaemon", targets: ["TandemDaemon"]),
        .library(name: "TandemPostgresAdapter", targets: ["TandemPostgresAdapter"]),
        .library(name: "TandemHTTPAdapter", targets: ["TandemHTTPAdapter"]),
        .library(name: "TandemFakeSaaS", targets: ["TandemFakeSaaS"]),
        .library(name: "TandemPostgresStore", targets: ["TandemPostgresStore"]),
        .executable(name: "tandem", targets: ["tandem"]),
        .executable(name: "tandem-sim", targets: ["tandem-sim"]),
        .executable(name: "tandem-harness", targets: ["tandem-harness"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // Header names for the HTTP adapter's webhook receiver (Hummingbird's own types).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // libsodium, the project's only cryptography library.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // Process-wide SQLite settings Swift cannot make (variadic
        // `sqlite3_config`); sqlite3 itself is linked through GRDB.
        .target(name: "CSQLiteConfig"),
        // Layer 1: the pure core. No I/O, wall clock, randomness or threads.
        .target(
            name: "TandemCore",
            swiftSettings: strictSettings
        ),
        // Layer 2: Ed25519 identities and signatures over libsodium.
        .target(
            name: "TandemCrypto",
            dependencies: ["CSodium", "TandemCore"],
            swiftSettings: strictSettings
        ),
        // Layer 3: durable storage (SQLite through GRDB) and an in-memory twin.
        .target(
            name: "TandemStore",
            dependencies: [
                "TandemCore",
                "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the per-record statements (RawStatement).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        // What the PostgreSQL store and adapter share about postgres-nio.
        .target(
            name: "TandemPostgresSupport",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // A node's state in PostgreSQL: the server `ReplicaStore`, over
        // postgres-nio, in a target of its own so TandemStore stays free of NIO.
        .target(
            name: "TandemPostgresStore",
            dependencies: [
                "TandemCore",
                "TandemStore",
                "TandemPostgresSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Layer 4: the sync driver, where the pure protocol meets the store.
        .target(
            name: "TandemSync",
            dependencies: ["TandemCore", "TandemStore"],
            swiftSettings: strictSettings
        ),
        // The secure transport: framing, mutually authenticated handshake,
        // encrypted sessions and heartbeats as NIO channel handlers. Imports
        // NIOCore only; sockets (NIOPosix) belong to the node and the tests.
        .target(
            name: "TandemNet",
            dependencies: [
                "TandemCore",
                "TandemCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The node: a sync driver over a store, a TCP listener and dialled
        // peers on one event loop (the only library that opens sockets).
        .target(
            name: "TandemNode",
            dependencies: [
                "TandemCore",
                "TandemCrypto",
                "TandemStore",
                "TandemSync",
                "TandemNet",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The adapter core: pure decisions between CRDT state and external
        // rows (capture, matching, outbound writes), and the driver protocol.
        .target(
            name: "TandemAdapterCore",
            dependencies: ["TandemCore"],
            swiftSettings: strictSettings
        ),
        // Cross-record rules: the pure engine that turns a committed change
        // into the writes its rules ask for (no I/O, clock or randomness).
        .target(
            name: "TandemRules",
            dependencies: ["TandemCore"],
            swiftSettings: strictSettings
        ),
        // The PostgreSQL driver: trigger capture into an outbox, NOTIFY,
        // marked writes, over postgres-nio (no wire protocol of our own).
        .target(
            name: "TandemPostgresAdapter",
            dependencies: [
                "TandemAdapterCore",
                "TandemPostgresSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The HTTP driver: one API object type described by a connector
        // file; webhooks (Hummingbird) and polling fill an outbox of its own,
        // requests go through async-http-client.
        .target(
            name: "TandemHTTPAdapter",
            dependencies: [
                "TandemAdapterCore",
                "TandemCrypto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                // Graceful shutdown of the webhook receiver (GracefulHTTPServer).
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Two small SaaS APIs on loopback for tests and `tandem demo`: a CRM
        // contacts API (nested properties, cursor pages) and a helpdesk users
        // API (numbered pages, signed webhooks), every fault switchable.
        .target(
            name: "TandemFakeSaaS",
            dependencies: [
                "TandemCrypto",
                "TandemAdapterCore",
                // JSONValue, the JSON document type both sides speak.
                "TandemHTTPAdapter",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Adapters at work: the runner that keeps a table and a node's
        // collection in sync through any driver, and the SQLite driver.
        .target(
            name: "TandemAdapters",
            dependencies: [
                "TandemAdapterCore",
                "TandemCore",
                "TandemStore",
                "TandemSync",
                "TandemNode",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        // The daemon behind `tandem run`, `status` and `audit`: the TOML
        // configuration, logging, metrics, the admin endpoint and the
        // service lifecycle around a `SyncNode`, with the SQLite and
        // PostgreSQL adapters its configuration names.
        .target(
            name: "TandemDaemon",
            dependencies: [
                "TandemAdapterCore",
                "TandemAdapters",
                "TandemPostgresAdapter",
                "TandemHTTPAdapter",
                "TandemPostgresStore",
                "TandemRules",
                "TandemCore",
                "TandemCrypto",
                "TandemStore",
                "TandemSync",
                "TandemNet",
                "TandemNode",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // The alert webhook's POSTs.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // Sync latency percentiles for the status report.
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSettings
        ),
        // The `tandem` command.
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemCore",
                "TandemCrypto",
                "TandemStore",
                "TandemAdapterCore",
                "TandemDaemon",
                // The scenario demos' CRM API, served on loopback by the demo itself.
                "TandemFakeSaaS",
                "TandemHTTPAdapter",
                // The demo's two SQLite databases, made and edited as another program would.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemCoreTests",
            dependencies: [
                "TandemCore",
                "TandemTestSupport",
                "TandemPropertySupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemCryptoTests",
            dependencies: ["TandemCrypto", "TandemCore", "TandemTestSupport"],
            swiftSettings: strictSettings
        ),
        // Writes to a SQLiteStore (or a PostgresStore, given a URL) under
        // load until it is killed; the crash tests in TandemStoreTests run it
        // and kill it with SIGKILL.
        .executableTarget(
            name: "tandem-crash-writer",
            dependencies: ["TandemStore", "TandemPostgresStore", "TandemCore"],
            path: "Tests/CrashWriter",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemStoreTests",
            dependencies: ["TandemStore", "TandemPostgresStore", "TandemCore", "tandem-crash-writer", "TandemTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemSyncTests",
            dependencies: ["TandemSync", "TandemStore", "TandemCore", "TandemTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemNetTests",
            dependencies: [
                "TandemNet",
                "TandemCrypto",
                "TandemCore",
                "TandemTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // One SyncNode in its own process, driven over standard input: the
        // multi-process tests in TandemNodeTests run several of them.
        .executableTarget(
            name: "tandem-test-node",
            dependencies: ["TandemNode", "TandemStore", "TandemCrypto", "TandemCore"],
            path: "Tests/TestNode",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemNodeTests",
            dependencies: [
                "tandem-test-node",
                "TandemTestSupport",
                "TandemNode",
                "TandemNet",
                "TandemSync",
                "TandemStore",
                "TandemCrypto",
                "TandemCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The deterministic partition simulator: virtual network and time
        // driving the real sync driver, store and CRDT core of every node.
        .target(
            name: "TandemSimulation",
            dependencies: [
                "TandemCore", "TandemCrypto", "TandemStore", "TandemSync", "TandemAdapterCore", "TandemAdapterSim", "TandemRules",
            ],
            path: "Simulations/TandemSimulation",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "tandem-sim",
            dependencies: [
                "TandemSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Simulations/tandem-sim",
            swiftSettings: strictSettings
        ),
        // The convergence harness: real `tandem run` processes beside real
        // SQLite (and PostgreSQL) databases, a fault-injecting TCP proxy on
        // every link, a seeded schedule of external edits, faults and
        // SIGKILLs, then the convergence checks.
        .target(
            name: "TandemHarness",
            dependencies: [
                "TandemDaemon",
                "TandemStore",
                "TandemCore",
                "TandemTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Simulations/TandemHarness",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "tandem-harness",
            dependencies: [
                "TandemHarness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Simulations/tandem-harness",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemHarnessTests",
            dependencies: [
                "TandemHarness",
                "tandem-harness",
                "tandem",
                "TandemTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemSimulationTests",
            dependencies: [
                "TandemSimulation",
                "TandemAdapterCore",
                "TandemCore",
                "TandemRules",
                "TandemStore",
                "TandemSync",
                "tandem-sim",
                "TandemTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        // A simulated external table (outbox, key map, marker, refusals,
        // schema drift) for the pure adapter core: used by its property
        // tests and by tandem-sim, so neither keeps a copy.
        .target(
            name: "TandemAdapterSim",
            dependencies: ["TandemAdapterCore", "TandemCore"],
            path: "Simulations/TandemAdapterSim",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemRulesTests",
            dependencies: [
                "TandemRules",
                "TandemAdapterCore",
                "TandemCore",
                "TandemTestSupport",
                "TandemPropertySupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemAdapterCoreTests",
            dependencies: ["TandemAdapterCore", "TandemAdapterSim", "TandemCore", "TandemTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemAdaptersTests",
            dependencies: [
                "TandemAdapters",
                "TandemAdapterCore",
                "TandemNode",
                "TandemSync",
                "TandemStore",
                "TandemCrypto",
                "TandemCore",
                "TandemTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        // Helpers shared by the test targets: locating and running built
        // executables, temporary directories, fixed test keys, the store
        // backends a test runs against, a throwaway PostgreSQL server.
        // The seeded property runner (`forAll`) of the property tests.
        .target(
            name: "TandemPropertySupport",
            dependencies: [.product(name: "PropertyBased", package: "swift-property-based")],
            path: "Tests/TandemPropertySupport",
            swiftSettings: strictSettings
        ),
        .target(
            name: "TandemTestSupport",
            dependencies: ["TandemCrypto"],
            path: "Tests/TandemTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemTestSupportTests",
            dependencies: ["TandemTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemPostgresAdapterTests",
            dependencies: [
                "TandemPostgresAdapter",
                "TandemAdapterCore",
                "TandemTestSupport",
                // The runner and the SQLite driver, for round trips through two nodes.
                "TandemAdapters",
                "TandemNode",
                "TandemSync",
                "TandemCrypto",
                "TandemCore",
                // A second client holding a transaction open (psql cannot, between calls).
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemHTTPAdapterTests",
            dependencies: [
                "TandemHTTPAdapter",
                "TandemFakeSaaS",
                "TandemAdapterCore",
                "TandemAdapters",
                "TandemTestSupport",
                "TandemNode",
                "TandemSync",
                "TandemCrypto",
                "TandemCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemCLITests",
            dependencies: [
                "tandem", "TandemDaemon", "TandemTestSupport",
                // The fake CRM for the http adapter's process test.
                "TandemFakeSaaS", "TandemHTTPAdapter",
                // A webhook receiver for the alert tests.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemDaemonTests",
            dependencies: [
                "TandemDaemon", "TandemAdapters", "TandemAdapterCore", "TandemCore", "TandemCrypto", "TandemStore", "TandemNode",
                // Connector files against the fake APIs' connectors.
                "TandemHTTPAdapter", "TandemFakeSaaS",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
