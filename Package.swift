// swift-tools-version:6.0
import PackageDescription

/// Roster: a process supervisor for a three-tier web stack on one Linux box.
///
/// Layers run one way: RosterCore (pure) ← RosterSystem (effects) ← Roster (runtime) ← roster (CLI).
let package = Package(
    name: "Roster",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "roster", targets: ["roster"]),
        .library(name: "RosterKit", targets: ["RosterKit"]),
        .library(name: "MariaDBClient", targets: ["MariaDBClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        .target(name: "CShims"),
        .target(name: "RosterCore", dependencies: ["Yams"]),
        .target(name: "RosterSystem", dependencies: ["CShims"]),
        .target(name: "Roster", dependencies: ["RosterCore", "RosterSystem"]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(name: "RosterKit", dependencies: ["CSystemd", "RosterSystem"]),
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .target(name: "MariaDBClient", dependencies: ["CMariaDB"]),
        .target(name: "RosterRoles", dependencies: ["RosterKit", "MariaDBClient", "RosterSystem"]),
        .executableTarget(name: "roster-db-primary", dependencies: ["RosterRoles", "RosterKit", "MariaDBClient", "RosterSystem"],
                          path: "Plugins/db-primary", exclude: ["role.yaml"]),
        .executableTarget(name: "roster-app", dependencies: [
            "RosterRoles", "RosterKit", "MariaDBClient",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], path: "Plugins/app", exclude: ["role.yaml"]),
        .executableTarget(name: "roster-web", dependencies: ["RosterRoles", "RosterKit", "RosterSystem"],
                          path: "Plugins/web", exclude: ["role.yaml"]),
        .executableTarget(name: "roster-balancer", dependencies: ["RosterRoles", "RosterKit", "RosterSystem"],
                          path: "Plugins/balancer", exclude: ["role.yaml"]),
        .executableTarget(name: "roster-firewall-rules", dependencies: ["RosterRoles", "RosterKit", "RosterSystem"],
                          path: "Plugins/firewall-rules", exclude: ["role.yaml"]),
        .executableTarget(name: "roster-db-replica", dependencies: ["RosterRoles", "RosterKit", "MariaDBClient", "RosterSystem"],
                          path: "Plugins/db-replica", exclude: ["role.yaml"]),
        .executableTarget(name: "roster", dependencies: [
            "Roster", "RosterCore", "RosterSystem",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "roster-kit-fixture", dependencies: ["RosterKit", "RosterSystem"],
                          path: "Tests/Fixtures/KitFixture"),
        .executableTarget(name: "roster-bench-db", dependencies: ["MariaDBClient"], path: "bench/db"),
        .testTarget(name: "RosterCoreTests", dependencies: ["RosterCore"]),
        .testTarget(name: "RosterTests", dependencies: ["RosterCore", "RosterSystem", "MariaDBClient"]),
        .testTarget(name: "RosterKitTests", dependencies: ["RosterKit", "RosterSystem"]),
    ],
    swiftLanguageModes: [.v6]
)
