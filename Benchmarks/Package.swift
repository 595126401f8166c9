// swift-tools-version: 6.2
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, which is whatever the
// repository was cloned as; derive it rather than hard-coding it.
let rootPackage = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// Benchmarks live in their own package so that their dependencies and
// release builds stay out of the product's build and CI time.
let package = Package(
    name: "TandemBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // package-benchmark (github.com/ordo-one/package-benchmark): the
        // suites under Benchmarks/Benchmarks/, run with `swift package benchmark`.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Timing, summaries and a seeded generator shared by the executables.
        .target(
            name: "BenchmarkSupport",
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        .executableTarget(
            name: "tandem-core-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemCore", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        .executableTarget(
            name: "tandem-store-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemCore", package: rootPackage),
                .product(name: "TandemStore", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        // A node's commit path on PostgreSQL (PostgresStore) against SQLite.
        .executableTarget(
            name: "tandem-pgstore-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemCore", package: rootPackage),
                .product(name: "TandemCrypto", package: rootPackage),
                .product(name: "TandemStore", package: rootPackage),
                .product(name: "TandemPostgresStore", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        .executableTarget(
            name: "tandem-sync-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemCore", package: rootPackage),
                .product(name: "TandemCrypto", package: rootPackage),
                .product(name: "TandemStore", package: rootPackage),
                .product(name: "TandemSync", package: rootPackage),
                .product(name: "TandemNode", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        .executableTarget(
            name: "tandem-reconcile-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemCore", package: rootPackage),
                .product(name: "TandemCrypto", package: rootPackage),
                .product(name: "TandemStore", package: rootPackage),
                .product(name: "TandemSync", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        // Adapters end to end: a row committed in one database to the row
        // committed in the other, through two nodes over TCP; and backfill.
        .executableTarget(
            name: "tandem-adapter-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "TandemCore", package: rootPackage),
                .product(name: "TandemCrypto", package: rootPackage),
                .product(name: "TandemNode", package: rootPackage),
                .product(name: "TandemAdapterCore", package: rootPackage),
                .product(name: "TandemAdapters", package: rootPackage),
                .product(name: "TandemPostgresAdapter", package: rootPackage),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        .executableTarget(
            name: "tandem-peers-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TandemCore", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        // package-benchmark suites: Benchmarks/Benchmarks/<Name>/<Name>.swift.
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TandemCore", package: rootPackage),
            ],
            path: "Benchmarks/CoreBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CryptoBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TandemCore", package: rootPackage),
                .product(name: "TandemCrypto", package: rootPackage),
            ],
            path: "Benchmarks/CryptoBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TandemCore", package: rootPackage),
                .product(name: "TandemStore", package: rootPackage),
            ],
            path: "Benchmarks/StoreBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
