// swift-tools-version:6.1
// The hub and shard bookkeeping with up to a million simulated clients, measured
// with package-benchmark (`make bench`; not part of `make test`).
import PackageDescription

let package = Package(
    name: "ssescript-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ssescript", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HubBookkeeping",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PushServer", package: "ssescript"),
                .product(name: "EventStream", package: "ssescript"),
            ],
            path: "Benchmarks/HubBookkeeping",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
