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
    ],
    targets: [
        .executableTarget(
            name: "tandem-core-bench",
            dependencies: [
                .product(name: "TandemCore", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
        .executableTarget(
            name: "tandem-store-bench",
            dependencies: [
                .product(name: "TandemCore", package: rootPackage),
                .product(name: "TandemStore", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .treatAllWarnings(as: .error)]
        ),
    ]
)
