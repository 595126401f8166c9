// swift-tools-version: 6.2
import PackageDescription

/// Settings every Tandem target shares: Swift 6 language mode (strict
/// concurrency), upcoming features that make dependencies explicit, and
/// warnings treated as errors so "no warnings" holds at every commit.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TandemCore", targets: ["TandemCore"]),
        .library(name: "TandemCrypto", targets: ["TandemCrypto"]),
        .executable(name: "tandem", targets: ["tandem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // libsodium, the project's only cryptography library.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
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
        // The `tandem` command.
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemCore",
                "TandemCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemCoreTests",
            dependencies: [
                "TandemCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TandemCryptoTests",
            dependencies: ["TandemCrypto", "TandemCore"],
            swiftSettings: strictSettings
        ),
        // Writes to a SQLiteStore under load until it is killed; the crash
        // test in TandemStoreTests runs it and kills it with SIGKILL.
        .testTarget(
            name: "TandemCLITests",
            dependencies: ["tandem"],
            swiftSettings: strictSettings
        ),
    ]
)
